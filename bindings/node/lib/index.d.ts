import { EventEmitter } from 'node:events'

import type { ConnectOptions, User } from '../index'
import type { LinkEvent, LinkEventMap, LinkState, PartyFlagsBits } from './events'

export * from './events'
export type {
  BlastReport,
  CallTruth,
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

/** One end of a call, as it now stands. */
export interface CallParty {
  endId: string
  role: 'a' | 'b'
  extension: string | null
  /** The extension, or on a trunk the CLI (inbound) or the number sent (outbound). */
  number: string
  equipment: string | number
  state: string | number
  onHold: boolean
}

/** How a call went (on `ended`). */
export interface CallSummary {
  disposition: 'answered' | 'abandoned' | 'voicemail' | 'busy' | 'failed' | 'unknown'
  ringSeconds: number
  talkSeconds: number
  holdSeconds: number
  clearedBy: string | null
  cause: string | number | null
}

/** A call as it now stands. Times are Unix seconds. */
export interface Call {
  id: string
  node: string
  callId: number
  direction: 'inbound' | 'outbound' | 'internal'
  caller: string
  called: string
  state: 'dialling' | 'ringing' | 'queued' | 'connected' | 'held' | 'parked' | 'voicemail' | 'ended'
  ringing: string[]
  answeredBy: string | null
  parties: CallParty[]
  startedAt: number
  answeredAt: number | null
  endedAt: number | null
  uncertain: boolean
  summary?: CallSummary
}

/** The call model's events: the documents `devlink3 calls` prints, keys in camelCase. */
export type CallEvent =
  | {
      event:
        | 'started'
        | 'ringing'
        | 'answered'
        | 'held'
        | 'retrieved'
        | 'transferred'
        | 'conferenced'
        | 'queued'
        | 'party_joined'
        | 'party_left'
        | 'ended'
      call: Call
      party?: CallParty
    }
  | {
      event: 'extension'
      extension: string
      state: 'idle' | 'ringing' | 'dialling' | 'held' | 'talking'
      previous: 'idle' | 'ringing' | 'dialling' | 'held' | 'talking'
    }
  | { event: 'unplaced'; reason: string; record: string }

/** The events of a `Link`: one per event `type`, plus `call`, `error` and `close`. */
export interface LinkEmitterEvents extends LinkEventMap {
  /** The call model's events (a listener starts it and subscribes the link). */
  call: [event: CallEvent]
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
  /** The call model's events, until the link closes (also emitted as `call`). */
  calls(): AsyncIterableIterator<CallEvent>
  /** The call model's state now: the calls in progress and every extension's state. */
  callState(): { calls: Call[]; extensions: Record<string, 'idle' | 'ringing' | 'dialling' | 'held' | 'talking'> }
}

/** Connects to an IP Office; resolves with the `Link` once it is operational. */
export declare function connect(options: ConnectOptions): Promise<Link>

/** The bits of a Party's `flags`. */
export declare const PartyFlags: PartyFlagsBits
