// Package schematest holds test fixtures shared by the tests of every
// package: schema S of protocol.md Appendix A. It does not import schema,
// so that schema's own tests can use it.
package schematest

// S is the fixture schema S of protocol.md Appendix A.
const S = `{
  "resources": [
    { "name": "task", "version": 1, "indices": ["status"], "fields": [
      { "name": "title",  "type": "string", "required": true, "maxLength": 80 },
      { "name": "status", "type": "string", "enum": ["active", "done"], "default": "active" },
      { "name": "prio",   "type": "number", "nullable": true, "min": 0, "max": 5 },
      { "name": "tags",   "type": "array" },
      { "name": "meta",   "type": "object" },
      { "name": "due",    "type": "date", "nullable": true },
      { "name": "code",   "type": "string", "minLength": 2, "pattern": "^[A-Z]+$" }
    ] },
    { "name": "note", "version": 1, "idPrefix": "n", "capabilities": ["timestamps"], "fields": [
      { "name": "body", "type": "string" }
    ] },
    { "name": "report", "version": 1, "isRemoteOnly": true, "fields": [
      { "name": "total", "type": "number" }
    ] }
  ]
}`
