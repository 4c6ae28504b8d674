// In-page side of the e2e tests: opens a client on the test schema against
// the server that serves this page and records every event it fires.
import * as datafnModule from "./pkg/index.js";

const schema = await (await fetch("schema.json")).json();

window.harness = {
  module: datafnModule,
  schema,
  client: null,
  events: [],

  /** Creates the client; options.sync and options.config are merged over the defaults. */
  async open(options = {}) {
    const client = await datafnModule.createDatafnClient({
      schema,
      storage: { dbName: options.dbName ?? "e2e" },
      sync: { remote: new URL("/datafn", location.href).href, offlinability: true, ...options.sync },
      ...options.config,
    });
    this.client = client;
    client.events.on("*", (e) => this.events.push(e));
    return client.clientId;
  },

  table(name = "task") {
    return this.client.table(name);
  },

  async rows(name = "task") {
    return (await this.table(name).query({ sort: ["id"] })).data;
  },

  eventsOf(type) {
    return this.events.filter((e) => e.type === type);
  },

  /** Runs fn and returns { code, message, details } of what it threw or rejected with. */
  async failure(fn) {
    try {
      const value = await fn();
      return { resolved: value };
    } catch (err) {
      return { name: err.name, code: err.code, message: err.message, details: err.details };
    }
  },
};
window.harnessReady = true;
