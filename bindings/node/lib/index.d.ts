import { EventEmitter } from 'node:events'

import type { ConnectOptions, User } from '../index'
import type { LinkEvent, LinkEventMap, LinkState, PartyFlagsBits } from './events'

export * from './events'
export type {
  BlastReport,
  ConnectOptions,
  ReconnectOptions,
  ServiceUser,
  ServiceUserStats,
  SimulatorOptions,
  SimulatorStats,
  TlsOptions,
  User,
} from '../index'
export { Simulator } from '../index'

/** What went wrong: a PBX result name when the PBX refused, else devlink3's own. */
export type DevLink3ErrorCode =
  // The PBX refused (`pbxCode` holds its number).
  | 'AUTHENTICATION_FAILED'
  | 'LICENCE_MISSING'
  | 'INSUFFICIENT_LICENCE'
  | 'FEATURE_NOT_AVAILABLE'
  | 'UNKNOWN_FLAG'
  | 'LIMITS_EXCEEDED'
  | 'RETRY_LATER'
  | 'STREAM_AUTHENTICATION_FAILED'
  | 'REJECTED'
  | 'REFUSED'
  | 'READ_FILE_FAILED'
  // devlink3's own.
  | 'INVALID_CONFIG'
  | 'CONNECT_FAILED'
  | 'NO_RESPONSE'
  | 'PROTOCOL_ERROR'
  | 'PLAIN_ON_CLEARTEXT'
  | 'TIMEOUT'
  | 'NOT_OPERATIONAL'
  | 'CLOSED'
  | 'LISTENER_ERROR'
  | (string & {})

/** Every error devlink3 reports. */
export declare class DevLink3Error extends Error {
  constructor(message: string, options?: { code?: DevLink3ErrorCode; pbxCode?: number | null; cause?: unknown })
  readonly name: 'DevLink3Error'
  readonly code: DevLink3ErrorCode
  /** The PBX's result code (e.g. 0x80000041 for AUTHENTICATION_FAILED), when it refused. */
  readonly pbxCode: number | null
}

/** The events of a `Link`: one per event `type`, plus `error` and `close`. */
export interface LinkEmitterEvents extends LinkEventMap {
  /** The PBX rejected the link for good, or a listener threw (`code: 'LISTENER_ERROR'`). */
  error: [error: DevLink3Error]
  /** The link is closed. */
  close: []
}

/**
 * A link to an IP Office: an EventEmitter of its events and an async iterable of all of
 * them. `connect()` gives one once it is operational; `new Link()` starts one that keeps
 * trying whatever its first attempt gives. Once connected it reconnects by itself; it
 * stops only when closed, or when the PBX rejects it for good (then `error`).
 */
export declare class Link extends EventEmitter<LinkEmitterEvents> implements AsyncIterable<LinkEvent> {
  constructor(options: ConnectOptions)
  /** Resolves once the link is operational; rejects (and closes it) if the first attempt fails. */
  static connect(options: ConnectOptions): Promise<Link>
  /** The latest link state (`null` before the first). */
  readonly state: LinkState | null
  readonly closed: boolean
  /** Closes the link; nothing is delivered once this is called. Idempotent. */
  close(): Promise<void>
  /** Lets the process exit while the link is open (as `socket.unref()`). */
  unref(): this
  /** Undoes `unref()`. */
  ref(): this
  /** Reads a PBX pseudo-file while events keep flowing. */
  /** Asks the PBX for events now (a record listener or an iterator does it by itself). */
  subscribe(): this
  readFile(name: string): Promise<Buffer>
  /** The PBX's users (`nasystem/user_list`). */
  users(): Promise<User[]>
  /** Every event, in order, until the link closes (throws if the PBX rejects it). */
  [Symbol.asyncIterator](): AsyncIterableIterator<LinkEvent>
}

/** Connects to an IP Office; resolves with the `Link` once it is operational. */
export declare function connect(options: ConnectOptions): Promise<Link>

/** The bits of a Party's `flags`. */
export declare const PartyFlags: PartyFlagsBits
