// Node side of the benchmark data: the rows the server is seeded with, the
// same shape as bench/page/bench.js makes (~300 bytes, a 200-character
// random body).
import { randomBytes } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function randomText(n) {
  let s = "";
  for (const b of randomBytes(n)) s += ALPHABET[b & 63];
  return s;
}

/** n rows with ids item:<from>…item:<from+n-1>, zero-padded to 7 digits. */
export function rowsFor(from, n) {
  const rows = [];
  for (let i = from; i < from + n; i++) {
    rows.push({
      id: `item:${String(i).padStart(7, "0")}`,
      title: `item number ${i}`,
      status: i % 3 === 0 ? "done" : "open",
      prio: i % 10,
      score: Math.random(),
      body: randomText(200),
    });
  }
  return rows;
}
