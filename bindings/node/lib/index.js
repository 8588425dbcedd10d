'use strict'
// devlink3: Avaya IP Office DevLink3 call events for Node.js.

const native = require('../index.js')
const { SCHEMA_HASH, PartyFlags } = require('./decode.js')

if (native.schemaHash() !== SCHEMA_HASH) {
  throw new Error('devlink3: lib/decode.js does not match the native module; run `npm run generate`')
}

const { DevLink3Error } = require('./errors.js')
const { Link, connect } = require('./link.js')
const { Simulator } = native

module.exports = { connect, Link, DevLink3Error, Simulator, PartyFlags }
