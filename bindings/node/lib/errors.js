'use strict'

/**
 * Every error devlink3 reports: `code` says what went wrong (`AUTHENTICATION_FAILED`,
 * `NO_RESPONSE`, ...), `pbxCode` is the PBX's own result code when the PBX refused.
 */
class DevLink3Error extends Error {
  constructor(message, { code = 'DEVLINK3_ERROR', pbxCode = null, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = 'DevLink3Error'
    this.code = code
    this.pbxCode = pbxCode
  }

  /** The same error from the native module (which sets `code` and `pbxCode`). */
  static fromNative(error) {
    if (error instanceof DevLink3Error || !(error instanceof Error)) return error
    // napi-rs rejects arguments of the wrong type with `InvalidArg`.
    const code = error.code === 'InvalidArg' ? 'INVALID_CONFIG' : (error.code ?? 'DEVLINK3_ERROR')
    return new DevLink3Error(error.message, { code, pbxCode: error.pbxCode ?? null })
  }

  /** Why a link failed, from its `rejected` or `no_response` state. */
  static fromState(state) {
    if (state.state === 'rejected') {
      return new DevLink3Error(state.reason, { code: state.code ?? 'REJECTED', pbxCode: state.pbxCode })
    }
    return new DevLink3Error(state.reason, { code: 'NO_RESPONSE' })
  }
}

module.exports = { DevLink3Error }
