/********************************************************************/
/*                                                                  */
/*  devlink.h -- the legacy Avaya IP Office DevLink API, as in the  */
/*  original DEVLINK.H (c) 2001 Avaya, implemented by devlink3's    */
/*  libdevlink (devlink.dll / libdevlink.so / libdevlink.dylib)     */
/*  over the DevLink3 protocol, for 32- and 64-bit Windows, Linux   */
/*  and macOS.                                                      */
/*                                                                  */
/********************************************************************/
/*
 * The prototypes, types, return codes and comms states below are those of the
 * original header, so that existing applications build unchanged. Added:
 * DLRegisterType3CallDeltas, and devlink3_last_error (also in devlink3.h); kept from
 * the 2001 header: DLRegisterCallLog.
 *
 * Platform types
 * --------------
 * The original header expects <windows.h> to have defined LONG, DWORD, PASCAL and
 * CALLBACK. On Windows this header includes <windows.h> when it has not been
 * included yet. Elsewhere it defines them itself: LONG is int32_t and DWORD is
 * uint32_t (32 bits, as on Windows -- not `long`, which is 64 bits on 64-bit Linux
 * and macOS), and PASCAL and CALLBACK are empty (the C calling convention). Define
 * DEVLINK_HAVE_WIN_TYPES before including this header if your code already
 * defines LONG and DWORD (they must be 32-bit). On 32-bit Windows PASCAL and
 * CALLBACK are __stdcall, as with the original DLL.
 *
 * Connecting: DLOpen
 * ------------------
 *   LONG DLOpen(pbxh, pbx_address, pbx_password, reserved1, reserved2, cb)
 *
 * pbxh          A number you choose for this IP Office, handed back in every
 *               callback. Several systems can be open at once, one pbxh each.
 * Strings passed to DLOpen are read as UTF-8 when they are valid UTF-8 (ASCII always
 * is), else, on Windows, in the process's ANSI code page, as applications of the
 * DevLink era hold them: a password with accented letters typed into a Windows-1252
 * program works as it is.
 *
 * pbx_address   The IP Office to connect to:
 *                 "192.168.42.1" or "ipo.example.com"   DevLink3 over TCP, port 50797
 *                 "host:port"  "[v6addr]:port"          TCP, another port
 *                 "tcp://host[:port]"                   TCP (default port 50797)
 *                 "tls://host[:port]"                   TLS (default port 50796)
 *                 "ws://host[:port]/path"               DevLink3 inside a WebSocket
 *                 "wss://host[:port]/path"              ... over TLS (default 50796).
 *                                       The path is site-specific: ask the IP Office's
 *                                       administrator or the reporting product's setup.
 *               "255.255.255.255" (broadcast discovery in the old DLL) has no
 *               DevLink3 equivalent: DLOpen fails with DEVLINK_UNSPECIFIEDFAIL and
 *               devlink3_last_error() says to give the IP Office's address.
 * pbx_password  The password of the service user (see reserved1). DevLink3 logs
 *               in as an IP Office service user with the DevLink3 right, not with
 *               the old system password. It is never sent in clear text: PLAIN
 *               authentication is refused on tcp:// links.
 * reserved1     The service user name. NULL or "" (as in every old application): the
 *               user of devlink.ini or of the environment variable DEVLINK3_USER
 *               (see Configuration below).
 * reserved2     NULL, or options as "key=value;key=value" (keys are case-insensitive,
 *               spaces around keys and values are ignored, a boolean key alone means
 *               1; values cannot contain ';'):
 *                 events=delta2|delta3  which call records the link carries (default:
 *                                       the kind of the first DLRegister*; delta2 is
 *                                       the "-CD2" flag). One DevLink3 link carries
 *                                       one kind; the other DLRegister* is refused.
 *                 flags=...             extra DevLink3 event request flags, space
 *                                       separated, e.g. "-SCN" (every system of a
 *                                       Small Community Network, Delta3 only),
 *                                       "-CONN", "-TEXT"
 *                 app=NAME              application name shown on the IP Office
 *                 tls_ca=FILE           trust the CA certificates of this PEM file
 *                                       (instead of the system's) for tls://
 *                 tls_pin=HEX           accept exactly the certificate with this
 *                                       SHA-256 fingerprint (64 hex digits, colons
 *                                       allowed): an IP Office's self-signed one
 *                 tls_insecure=1        accept any certificate. Labs only: anyone on
 *                                       the path can then read the password
 *                 tls_cert=FILE         client certificate (PEM) for mutual TLS,
 *                 tls_key=FILE          with its private key (PEM)
 *                 tls_server_name=NAME  certificate name to verify when the address
 *                                       is an IP address
 *                 queue=N               events buffered for a slow callback (4096;
 *                                       1 to 1048576, allocated only as used)
 *                 keepalive=SECONDS     keepalive interval (30)
 *                 timeout=SECONDS       connect and answer timeout (5)
 *                 ws_auth=auto|none|basic|digest
 *                                       HTTP authentication of the WebSocket upgrade
 *                                       (auto: answer the server's challenge, Digest
 *                                       (MD5) preferred). Credentials: the service user
 *                 ws_basic_cleartext=1  allow Basic over ws:// (password in clear text)
 *                 ws_devlink_auth=0     skip the DevLink3 login inside the WebSocket
 *                                       (servers that authenticate only at HTTP)
 *                 ws_protocol=NAME      a Sec-WebSocket-Protocol to offer (repeatable)
 *                 ws_header=Name: value an extra upgrade request header (repeatable)
 *                 text=ansi|utf8        the encoding of the records your callbacks get
 *                                       (see Records below). ansi, the default on
 *                                       Windows: the process's ANSI code page. utf8,
 *                                       the default and the only choice elsewhere.
 *               An unknown key or a bad value makes DLOpen fail, naming it.
 *               The keys of Configuration below (user=, transport=, port=,
 *               log_file=, log_level=) are accepted here too.
 * cb            Your DLCOMMSEVENT function; required.
 *
 * DLOpen returns at once and never waits for the network: DEVLINK_SUCCESS when the
 * link was set up (the connection is then made in the background), or
 * DEVLINK_UNSPECIFIEDFAIL for a NULL address, password or cb, a pbxh already
 * open, a bad address or option, a bad devlink.ini, or no service user name.
 *
 * When DLOpen fails, in this order:
 *   1. the reason is logged (at warn; see Logging) and kept for devlink3_last_error();
 *   2. DLOpen returns DEVLINK_UNSPECIFIEDFAIL;
 *   3. then, on a thread of the library, at least 20 ms after DLOpen returned, cb
 *      is called once with (pbxh, DEVLINK_COMMS_REJECTED, 0) -- so that an
 *      application that ignores DLOpen's result and waits for its comms callback
 *      hears of the failure. Not when cb is NULL, nor when pbxh was already open
 *      (that link's state is unchanged), nor once the application has opened the
 *      same pbxh again (the report was for the failed attempt only).
 * The pbxh is not open afterwards: DLClose(pbxh) returns DEVLINK_UNSPECIFIEDFAIL, after
 * waiting for that callback if it has not run yet (unless called from inside it), and
 * DLOpen may be called again with the same pbxh. An unreachable IP Office is not a
 * DLOpen failure: cb reports DEVLINK_COMMS_NORESPONSE and the link keeps retrying.
 *
 * Return values on 32-bit Windows: every function here returns its LONG in EAX and
 * its sign extension in EDX, so a caller that declared the function as returning a
 * 64-bit integer (C# `long`, a common mistake) reads EDX:EAX as the same number; on
 * 64-bit platforms RAX likewise holds the sign-extended LONG.
 *
 * Configuration: devlink.ini and the environment
 * ----------------------------------------------
 * An unchanged application passes only an address and a password. The rest comes,
 * each layer overriding the one before, from:
 *   1. devlink.ini in the folder of the loaded library (devlink.dll, found from the
 *      DLL's own module handle; libdevlink.so / libdevlink.dylib), or the file named
 *      by the environment variable DEVLINK3_CONFIG (set but empty: no file). Read at
 *      every DLOpen. UTF-8 with or without a BOM (or ASCII), CRLF or LF lines, ';' or
 *      '#' comments; only its [devlink] section is read; one "key = value" per line,
 *      the value optionally in double quotes; relative paths are relative to the
 *      file's folder. devlink.ini.sample, shipped beside the library, shows every key;
 *   2. environment variables DEVLINK3_<KEY>: DEVLINK3_USER, DEVLINK3_PORT,
 *      DEVLINK3_TLS_PIN, DEVLINK3_LOG_FILE...;
 *   3. reserved1 (the user) and reserved2.
 * Keys: every reserved2 option above, and
 *   user = NAME          the service user (when reserved1 is NULL)
 *   transport = tcp|tls|ws|wss   for an address given without "scheme://"
 *   port = N             for an address given without a port
 *   log_file = FILE      append the library's log to FILE (created if absent)
 *   log_level = off|error|warn|info|debug|trace   (info with a log file, else warn)
 * An address that names its own scheme or port keeps them. A bad line (unknown key,
 * bad value, text outside [devlink], not UTF-8) fails DLOpen as above; the log and
 * devlink3_last_error() name the file, the line and the key of every bad line.
 *
 * Logging
 * -------
 * One log per process: the last log_file configured, else stderr and (on Windows)
 * the debug output that DebugView shows. Lines are
 *   2026-12-03T10:15:00.123Z [pid] LEVEL message
 * At info: what each DLOpen connects to, as whom, with which devlink.ini; every link
 * state. At warn: every failed call of this API with its reason. Passwords never
 * appear. This is the first thing to read when an application "does nothing".
 *
 * On Windows the first DLOpen keeps devlink.dll loaded until the process ends: its
 * threads outlive DLClose, and FreeLibrary would unload the code they run.
 *
 * Platforms: 32- and 64-bit Windows 10 / Server 2016 or later (the Rust standard
 * library imports ProcessPrng from bcryptprimitives.dll, which older Windows lacks:
 * the DLL then fails to load, error 126 naming bcryptprimitives.dll), Linux, macOS.
 *
 * Comms states
 * ------------
 * cb(pbxh, comms_state, parm1) is called strictly after DLOpen has returned, and
 * then on every change of state:
 *   DEVLINK_COMMS_OPERATIONAL    connected and logged in; records flow once a
 *                                record callback is registered.
 *   DEVLINK_COMMS_NORESPONSE     the IP Office cannot be reached, or the link was
 *                                lost. The library reconnects by itself (with
 *                                back-off) and reports OPERATIONAL when it is back;
 *                                NORESPONSE is reported once per outage, however
 *                                many attempts fail. No new DLOpen is needed.
 *   DEVLINK_COMMS_REJECTED       the IP Office refused the login (wrong user or
 *                                password, no licence, a refused flag). The link
 *                                stops and never retries by itself: IP Office locks
 *                                an account out after repeated failures. DLClose it.
 *   DEVLINK_COMMS_MISSEDPACKETS  records were lost; parm1 = how many. Either the IP
 *                                Office skipped them, or your callbacks were slower
 *                                than the IP Office and the buffer (queue=, 4096
 *                                records) overflowed.
 * parm1 is 0 except for MISSEDPACKETS. The first state arrives within about 5 s
 * (the timeout= option), inside the 10 s old applications wait.
 *
 * Records: DLRegisterType2CallDeltas, DLRegisterType3CallDeltas
 * -------------------------------------------------------------
 * cb(pbxh, info) receives each call record: info is the text exactly as the IP
 * Office sent it, converted from UTF-16, NUL-terminated: on Windows to the process's
 * ANSI code page (GetACP(): Windows-1252 in Western Europe and the Americas, so "e
 * acute" is the byte 0xE9), as the original DLL did, characters the code page lacks
 * becoming '?'; with text=utf8 in reserved2, and on Linux and macOS, to UTF-8.
 * Delta2 records ("CALL: S ...", "CALL: D ...", "CALL: A ...") come to a Type2
 * callback; Delta3 records ("<Detail>...", "<CallLost>...") to a Type3 callback.
 * Records are passed whole: a Delta3 Detail can exceed
 * the old 1500-byte Delta2 limit. info points to a buffer of the library that is
 * valid until the callback returns; you may modify it (e.g. with strtok) but must
 * copy what you keep.
 * Register before or after OPERATIONAL, from any thread or from inside a callback;
 * the registration survives reconnects. Registering again replaces the callback;
 * NULL unregisters. Called from another thread while a callback of the link is
 * running, DLRegister* waits until that callback has returned: do not hold a lock
 * that your callbacks take while you call it.
 * The link asks the IP Office for records when the first callback is registered, not
 * at DLOpen: the records it sends first (one for each call in progress) and everything
 * after them reach your callback however long after OPERATIONAL you register. A link
 * opened without events= takes the kind its first registration asks for (Type2:
 * Delta2, Type3: Delta3); the other kind is then refused on that link.
 * Returns DEVLINK_UNSPECIFIEDFAIL for an unknown pbxh, for the record type the link
 * does not carry (the last error names the reserved2 option to use), or after the
 * IP Office rejected the link; DEVLINK_LICENCENOTFOUND
 * when it rejected the link for want of a licence (LICENCE_MISSING,
 * INSUFFICIENT_LICENCE), which the comms callback reported as REJECTED.
 *
 * DLRegisterCallLog (the 2001 call-log interface, superseded by SMDR in 2003) is
 * accepted for an open pbxh and returns DEVLINK_SUCCESS, but its callback is never
 * called: DevLink3 has no such records. It exists so that old applications load.
 *
 * Callbacks: thread and timing
 * ----------------------------
 * All callbacks of one pbxh run on one thread the library owns (one per pbxh),
 * one at a time, in the order the IP Office sent the events, never on your own
 * thread. Return quickly: the old rule is 100 ms per event. A slower callback
 * delays the records behind it and, once the buffer is full, loses the oldest
 * (reported as MISSEDPACKETS). Callbacks must not unwind (C++ exceptions, longjmp)
 * into the library.
 *
 * Closing: DLClose
 * ----------------
 * DLClose(pbxh) disconnects and forgets pbxh. When it returns, no callback for
 * pbxh runs or will run. It may be called from inside one of the link's own
 * callbacks: it then returns at once, and no further callback of pbxh follows the
 * one running. DEVLINK_UNSPECIFIEDFAIL for a pbxh that is not open.
 *
 * Errors
 * ------
 * After DEVLINK_UNSPECIFIEDFAIL or DEVLINK_LICENCENOTFOUND, devlink3_last_error()
 * gives the reason (per thread):
 *     char why[256];
 *     if (DLOpen(...) != DEVLINK_SUCCESS) {
 *         devlink3_last_error(why, sizeof why);
 *         fprintf(stderr, "DLOpen: %s\n", why);
 *     }
 */

#ifndef _DEVLINK_H_
#define _DEVLINK_H_

#include <stddef.h>

#if defined(_WIN32)
#  if !defined(_WINDEF_) && !defined(DEVLINK_HAVE_WIN_TYPES)
#    include <windows.h>
#  endif
#else
#  if !defined(DEVLINK_HAVE_WIN_TYPES)
#    include <stdint.h>
typedef int32_t LONG;
typedef uint32_t DWORD;
#  endif
#  ifndef PASCAL
#    define PASCAL
#  endif
#  ifndef CALLBACK
#    define CALLBACK
#  endif
#endif

typedef char TEXT;

#define DEVLINK_SUCCESS				0
#define DEVLINK_UNSPECIFIEDFAIL		1
#define DEVLINK_LICENCENOTFOUND		2

#define DEVLINK_COMMS_OPERATIONAL 0
#define DEVLINK_COMMS_NORESPONSE  1
#define DEVLINK_COMMS_REJECTED    2
#define DEVLINK_COMMS_MISSEDPACKETS 3

#ifdef __cplusplus
extern "C"
{
#endif

typedef void (CALLBACK * DLCALLLOGEVENT)(
    DWORD   pbxh,
    TEXT   * info
    );

typedef void (CALLBACK * DLCOMMSEVENT)(
    DWORD   pbxh,
    DWORD    comms_state,
    DWORD    parm1
    );

LONG  PASCAL  DLOpen( DWORD pbxh
                       , TEXT * pbx_address
                       , TEXT * pbx_password
                       , TEXT * reserved1
                       , TEXT * reserved2
                       , DLCOMMSEVENT cb
                       );
LONG  PASCAL  DLClose( DWORD pbxh );

LONG  PASCAL  DLRegisterType2CallDeltas( DWORD  pbxh, DLCALLLOGEVENT cb );

/* From the 2001 header: accepted, never called (see above). */
LONG  PASCAL  DLRegisterCallLog( DWORD  pbxh, DLCALLLOGEVENT cb );

/* devlink3 addition: Delta3 records, for a link opened with "events=delta3". */
LONG  PASCAL  DLRegisterType3CallDeltas( DWORD  pbxh, DLCALLLOGEVENT cb );

/* devlink3 addition (also declared in devlink3.h): copies the reason for the last
 * failure on this thread into buf (at most len bytes, NUL-terminated) and returns
 * its full length. */
size_t devlink3_last_error(char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* _DEVLINK_H_ */
