// DevLink.cs: a small P/Invoke wrapper of libdevlink (devlink.dll / libdevlink.so) for .NET
// Framework, .NET (Core) and mono: the legacy API of devlink.h (LegacyLink) and the Delta3
// part of the extended API of devlink3.h (Devlink3Link).
//
// What it gets right, and the wrappers found in the wild often do not:
//   * calling conventions: the legacy DL* functions and their callbacks are __stdcall on
//     32-bit Windows (PASCAL, CALLBACK); the devlink3_* functions and callbacks are __cdecl.
//     (On x64, ARM64 and Linux there is one convention and the attribute is ignored.)
//   * return values are int: the C LONG is 32 bits everywhere, C# long is 64;
//   * the delegates handed to native code live in fields of the link, and an open link is
//     held in a static set, so the garbage collector frees neither while the library can
//     still call them (until DLClose / devlink3_close has returned);
//   * no exception ever crosses into native code: every callback body catches everything
//     and reports it through the CallbackError event (or Trace when nobody listens);
//   * records are delivered in order on one thread: the library calls back on one thread
//     per link, one event at a time, and this wrapper raises its events right there;
//   * record text is copied out of the library's buffer during the callback;
//   * Dispose closes the link. There is no finalizer: a link that is still open cannot be
//     collected (it is held), and one that is closed has nothing left to release; so no
//     native call happens on the finalizer thread. Links still open when the process
//     exits are closed on AppDomain.ProcessExit (without that, mono hangs at exit).
//
// Events are raised on the library's thread, never on the thread that opened the link:
// marshal to a UI thread yourself (Control.BeginInvoke, Dispatcher.BeginInvoke). Return
// quickly (the old rule: 100 ms per event) or records queue up behind the slow handler.
// Calling Close or Dispose from inside a handler is allowed: no event follows that handler.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace DevLink3
{
    /// <summary>A comms state of the legacy API (DEVLINK_COMMS_*).</summary>
    public enum CommsState : uint
    {
        Operational = 0,
        NoResponse = 1,
        Rejected = 2,
        MissedPackets = 3,
    }

    /// <summary>What a Delta2 record says: its first characters "CALL: S", "CALL: D" or "CALL: A".</summary>
    public enum Delta2Kind
    {
        /// <summary>Not one of the three (the text is delivered all the same).</summary>
        Unknown,
        /// <summary>"CALL: S": the state of a call.</summary>
        Status,
        /// <summary>"CALL: D": the call was deleted (ended).</summary>
        Deleted,
        /// <summary>"CALL: A": the call's A and B ends were swapped.</summary>
        Swapped,
    }

    /// <summary>The kind of a Delta3 record (DEVLINK3_DELTA3_KIND_*, plus Unknown).</summary>
    public enum Delta3Kind
    {
        Detail = 0,
        CallLost = 1,
        LinkLost = 2,
        AttemptReject = 3,
        Unknown = -1,
    }

    /// <summary>The state of a link of the extended API (DEVLINK3_STATE_*).</summary>
    public enum LinkState : uint
    {
        Connecting = 0,
        Operational = 1,
        NoResponse = 2,
        Rejected = 3,
        Closed = 4,
    }

    /// <summary>Why records were missed (DEVLINK3_MISSED_REASON_*).</summary>
    public enum MissedReason : uint
    {
        CounterGap = 0,
        SlowConsumer = 1,
    }

    /// <summary>A function of the library failed; the message is the library's reason.</summary>
    public sealed class DevLinkException : Exception
    {
        public DevLinkException(string function, int code, string reason)
            : base(function + " failed (" + code + "): " + reason)
        {
            Function = function;
            Code = code;
        }

        /// <summary>The native function that failed.</summary>
        public string Function { get; private set; }

        /// <summary>Its return code: DEVLINK_* for the legacy API, devlink3_status otherwise.</summary>
        public int Code { get; private set; }
    }

    /// <summary>A comms state change of a legacy link.</summary>
    public sealed class CommsEventArgs : EventArgs
    {
        internal CommsEventArgs(CommsState state, uint parm1)
        {
            State = state;
            Parm1 = parm1;
        }

        public CommsState State { get; private set; }

        /// <summary>For MissedPackets, how many records were lost; 0 otherwise.</summary>
        public uint Parm1 { get; private set; }
    }

    /// <summary>A Delta2 record: the PBX's text, and what its prefix says.</summary>
    public sealed class Delta2Record : EventArgs
    {
        public Delta2Record(string text)
        {
            Text = text;
            Kind = KindOf(text);
        }

        public Delta2Kind Kind { get; private set; }

        /// <summary>The record exactly as the PBX sent it ("CALL: S 17.1003.1,...").</summary>
        public string Text { get; private set; }

        /// <summary>The kind a record's text starts with: "CALL: " (with its space), then S, D or A.</summary>
        public static Delta2Kind KindOf(string text)
        {
            if (text == null || text.Length < 7 || string.CompareOrdinal(text, 0, "CALL: ", 0, 6) != 0)
            {
                return Delta2Kind.Unknown;
            }
            switch (text[6])
            {
                case 'S': return Delta2Kind.Status;
                case 'D': return Delta2Kind.Deleted;
                case 'A': return Delta2Kind.Swapped;
                default: return Delta2Kind.Unknown;
            }
        }
    }

    /// <summary>A Delta3 record: its kind and the PBX's text (XML-like, "&lt;Detail&gt;...").</summary>
    public sealed class Delta3Record : EventArgs
    {
        public Delta3Record(Delta3Kind kind, string text, uint pbxIp, uint counter)
        {
            Kind = kind;
            Text = text;
            PbxIp = pbxIp;
            Counter = counter;
        }

        public Delta3Kind Kind { get; private set; }

        /// <summary>The record exactly as the PBX sent it.</summary>
        public string Text { get; private set; }

        /// <summary>The IPv4 address of the PBX that sent it, as a number (extended API; 0 from the legacy API).</summary>
        public uint PbxIp { get; private set; }

        /// <summary>That PBX's event counter (extended API; 0 from the legacy API).</summary>
        public uint Counter { get; private set; }

        /// <summary>The kind a record's text starts with ("&lt;Detail&gt;", "&lt;CallLost&gt;"...).</summary>
        public static Delta3Kind KindOf(string text)
        {
            if (text == null) return Delta3Kind.Unknown;
            if (text.StartsWith("<Detail>", StringComparison.Ordinal)) return Delta3Kind.Detail;
            if (text.StartsWith("<CallLost>", StringComparison.Ordinal)) return Delta3Kind.CallLost;
            if (text.StartsWith("<LinkLost>", StringComparison.Ordinal)) return Delta3Kind.LinkLost;
            if (text.StartsWith("<AttemptReject>", StringComparison.Ordinal)) return Delta3Kind.AttemptReject;
            return Delta3Kind.Unknown;
        }
    }

    /// <summary>A state change of an extended-API link.</summary>
    public sealed class LinkStateEventArgs : EventArgs
    {
        internal LinkStateEventArgs(LinkState state, uint pbxCode, string reason, ulong retryInMs, string pbxType)
        {
            State = state;
            PbxCode = pbxCode;
            Reason = reason;
            RetryInMs = retryInMs;
            PbxType = pbxType;
        }

        public LinkState State { get; private set; }

        /// <summary>The PBX's result code when it refused the link (0x80000041 AUTHENTICATION_FAILED...); 0 otherwise.</summary>
        public uint PbxCode { get; private set; }

        /// <summary>What happened, for people.</summary>
        public string Reason { get; private set; }

        /// <summary>For NoResponse: milliseconds until the next attempt.</summary>
        public ulong RetryInMs { get; private set; }

        /// <summary>For Operational: the PBX's type and version.</summary>
        public string PbxType { get; private set; }
    }

    /// <summary>Records that never reached the application.</summary>
    public sealed class MissedEventArgs : EventArgs
    {
        internal MissedEventArgs(ulong count, MissedReason reason)
        {
            Count = count;
            Reason = reason;
        }

        public ulong Count { get; private set; }
        public MissedReason Reason { get; private set; }
    }

    /// <summary>An exception thrown by an event handler, caught before it could reach native code.</summary>
    public sealed class CallbackErrorEventArgs : EventArgs
    {
        internal CallbackErrorEventArgs(Exception exception)
        {
            Exception = exception;
        }

        public Exception Exception { get; private set; }
    }

    /// <summary>
    /// One link of the legacy API: DLOpen, DLRegisterType2CallDeltas / DLRegisterType3CallDeltas,
    /// DLClose. Subscribe to the events, then Open; register for records (at once or once
    /// Operational); Dispose to close.
    /// </summary>
    public sealed class LegacyLink : IDisposable
    {
        private const int NotOpened = 0, Opened = 1, Closed = 2;

        private readonly uint pbxh;
        private readonly string address, password, user, options;

        // The delegates native code holds: fields of the link, so alive as long as it is.
        private readonly NativeMethods.CommsEvent commsCallback;
        private readonly NativeMethods.CallLogEvent type2Callback;
        private readonly NativeMethods.CallLogEvent type3Callback;

        // Guards state. Never held in a native call that may wait for a callback: the
        // library makes DLRegister* and DLClose from another thread wait while a callback
        // of the link runs, and a handler may call Close.
        private readonly object gate = new object();
        private int state = NotOpened;
        // DLOpen failed: the library reports it once more to the comms callback (REJECTED),
        // which then lets the link go from OpenLinks. Under reportGate, which no native
        // call waits in.
        private bool openFailed;
        private readonly object reportGate = new object();

        /// <param name="pbxh">The number identifying this IP Office in the process (DLOpen's pbxh).</param>
        /// <param name="address">"host", "host:port", "tcp://...", "tls://...".</param>
        /// <param name="password">The service user's password.</param>
        /// <param name="user">The service user (reserved1); null: the library's configuration (DEVLINK3_USER...).</param>
        /// <param name="options">reserved2, "key=value;key=value" (see devlink.h); null for none.</param>
        public LegacyLink(uint pbxh, string address, string password, string user = null, string options = null)
        {
            if (address == null) throw new ArgumentNullException("address");
            if (password == null) throw new ArgumentNullException("password");
            this.pbxh = pbxh;
            this.address = address;
            this.password = password;
            this.user = user;
            this.options = options;
            commsCallback = OnComms;
            type2Callback = OnType2;
            type3Callback = OnType3;
        }

        /// <summary>Comms states: Operational, NoResponse, Rejected, MissedPackets (with a count).</summary>
        public event EventHandler<CommsEventArgs> CommsChanged;

        /// <summary>Delta2 records, after RegisterType2CallDeltas.</summary>
        public event EventHandler<Delta2Record> Delta2Received;

        /// <summary>Delta3 records, after RegisterType3CallDeltas.</summary>
        public event EventHandler<Delta3Record> Delta3Received;

        /// <summary>An event handler threw; the exception stopped here.</summary>
        public event EventHandler<CallbackErrorEventArgs> CallbackError;

        public uint Pbxh { get { return pbxh; } }

        /// <summary>
        /// DLOpen: returns at once; the comms state follows through CommsChanged. Throws
        /// DevLinkException when DLOpen fails (no user name, bad address or option, bad
        /// devlink.ini, pbxh open already); then, as in C, CommsChanged still reports
        /// Rejected once, at least 20 ms later (except for a pbxh open already). A link is
        /// opened once: after a failure, make a new one.
        /// </summary>
        public void Open()
        {
            lock (gate)
            {
                if (state != NotOpened) throw new InvalidOperationException("the link was opened already");
                state = Closed;
                OpenLinks.Add(this);
                int rc;
                string why = null;
                // Held until openFailed is set: the library's report of a failure (at least
                // 20 ms after DLOpen returns) waits for it.
                lock (reportGate)
                {
                    try
                    {
                        rc = NativeMethods.DLOpen(pbxh, address, password, user, options, commsCallback);
                    }
                    catch
                    {
                        // Marshalling failed (a character the ANSI code page lacks): no call made.
                        OpenLinks.Remove(this);
                        throw;
                    }
                    if (rc != NativeMethods.DEVLINK_SUCCESS)
                    {
                        why = NativeMethods.LastError(); // same thread, right after the call
                        // The library still holds commsCallback for its REJECTED report: the
                        // link stays in OpenLinks until that report has run. (For a pbxh open
                        // already no report comes, and it stays there: a leak of one object
                        // rather than a callback into a collected delegate.)
                        openFailed = true;
                    }
                }
                if (rc != NativeMethods.DEVLINK_SUCCESS) throw new DevLinkException("DLOpen", rc, why);
                state = Opened;
            }
        }

        /// <summary>DLRegisterType2CallDeltas: Delta2 records ("CALL: ...") to Delta2Received.</summary>
        public void RegisterType2CallDeltas()
        {
            Register("DLRegisterType2CallDeltas", () => NativeMethods.DLRegisterType2CallDeltas(pbxh, type2Callback));
        }

        /// <summary>DLRegisterType3CallDeltas: Delta3 records to Delta3Received.</summary>
        public void RegisterType3CallDeltas()
        {
            Register("DLRegisterType3CallDeltas", () => NativeMethods.DLRegisterType3CallDeltas(pbxh, type3Callback));
        }

        private void Register(string function, Func<int> call)
        {
            lock (gate)
            {
                if (state != Opened) throw new InvalidOperationException("the link is not open");
            }
            // Outside the gate: from another thread the call waits while a callback of this
            // link runs, and that callback's handler may be closing the link. (A Register
            // racing Close fails for a pbxh no longer open; do not reuse the pbxh for a new
            // link until Close has returned.)
            int rc = call();
            if (rc != NativeMethods.DEVLINK_SUCCESS)
            {
                throw new DevLinkException(function, rc, NativeMethods.LastError());
            }
        }

        /// <summary>
        /// DLClose. When it returns no event of this link is running or will be raised (from
        /// inside a handler of this link: none follows that handler). Returns DLClose's code
        /// (0), or -1 when the link was not open. Dispose does the same.
        /// </summary>
        public int Close()
        {
            lock (gate)
            {
                bool wasOpen = state == Opened;
                state = Closed;
                if (!wasOpen) return -1;
            }
            // Outside the gate: DLClose waits for a running callback.
            int rc = NativeMethods.DLClose(pbxh);
            // Only now may the delegates go: the library no longer holds them.
            OpenLinks.Remove(this);
            return rc;
        }

        public void Dispose()
        {
            Close();
        }

        // The callbacks: each copies what it needs out of native memory, raises the event,
        // and lets nothing escape.

        private void OnComms(uint pbxh, uint commsState, uint parm1)
        {
            try
            {
                EventHandler<CommsEventArgs> handler = CommsChanged;
                if (handler != null) handler(this, new CommsEventArgs((CommsState)commsState, parm1));
            }
            catch (Exception e)
            {
                ReportCallbackError(e);
            }
            finally
            {
                // After a failed DLOpen this was the library's one report: it holds the
                // delegate no longer (the running call keeps it alive until it returns).
                lock (reportGate)
                {
                    if (openFailed) OpenLinks.Remove(this);
                }
            }
        }

        private void OnType2(uint pbxh, IntPtr info)
        {
            try
            {
                // The ANSI code page on Windows (UTF-8 with text=utf8), UTF-8 elsewhere: what
                // PtrToStringAnsi reads on each platform (mono and .NET Core: UTF-8 off Windows).
                var record = new Delta2Record(Marshal.PtrToStringAnsi(info) ?? "");
                EventHandler<Delta2Record> handler = Delta2Received;
                if (handler != null) handler(this, record);
            }
            catch (Exception e)
            {
                ReportCallbackError(e);
            }
        }

        private void OnType3(uint pbxh, IntPtr info)
        {
            try
            {
                string text = Marshal.PtrToStringAnsi(info) ?? "";
                var record = new Delta3Record(Delta3Record.KindOf(text), text, 0, 0);
                EventHandler<Delta3Record> handler = Delta3Received;
                if (handler != null) handler(this, record);
            }
            catch (Exception e)
            {
                ReportCallbackError(e);
            }
        }

        private void ReportCallbackError(Exception e)
        {
            Boundary.Report(this, CallbackError, e);
        }
    }

    /// <summary>
    /// One link of the extended API (devlink3_*), taking Delta3 records with their kind and
    /// origin. Subscribe to the events, then Open; Dispose to close. Strings are UTF-8 on
    /// every platform.
    /// </summary>
    public sealed class Devlink3Link : IDisposable
    {
        private const int NotOpened = 0, Opened = 1, Closed = 2;

        private readonly string target, user, password, options;

        private readonly NativeMethods.LinkStateCallback linkStateCallback;
        private readonly NativeMethods.Delta3Callback delta3Callback;
        private readonly NativeMethods.MissedCallback missedCallback;

        private readonly object gate = new object();
        private int state = NotOpened;
        private IntPtr link;

        /// <param name="target">"host", "host:port", "tcp://host[:50797]", "tls://host[:50796]".</param>
        /// <param name="user">The service user.</param>
        /// <param name="password">Its password.</param>
        /// <param name="options">"key=value;..." as devlink3_config_set_options takes them; null for none.</param>
        public Devlink3Link(string target, string user, string password, string options = null)
        {
            if (target == null) throw new ArgumentNullException("target");
            if (user == null) throw new ArgumentNullException("user");
            if (password == null) throw new ArgumentNullException("password");
            this.target = target;
            this.user = user;
            this.password = password;
            this.options = options;
            linkStateCallback = OnLinkState;
            delta3Callback = OnDelta3;
            missedCallback = OnMissed;
        }

        public event EventHandler<LinkStateEventArgs> StateChanged;
        public event EventHandler<Delta3Record> Delta3Received;
        public event EventHandler<MissedEventArgs> Missed;
        public event EventHandler<CallbackErrorEventArgs> CallbackError;

        /// <summary>
        /// devlink3_open and devlink3_set_callbacks: returns at once; link states and records
        /// follow through the events. The link asks for records at once.
        /// </summary>
        public void Open()
        {
            lock (gate)
            {
                if (state != NotOpened) throw new InvalidOperationException("the link was opened already");
                IntPtr config;
                Check("devlink3_config_new",
                    NativeMethods.devlink3_config_new(Utf8(target), Utf8(user), Utf8(password), out config));
                IntPtr opened;
                try
                {
                    if (options != null)
                    {
                        Check("devlink3_config_set_options", NativeMethods.devlink3_config_set_options(config, Utf8(options)));
                    }
                    Check("devlink3_open", NativeMethods.devlink3_open(config, out opened));
                }
                finally
                {
                    NativeMethods.devlink3_config_free(config);
                }
                state = Closed; // opened once: after a failure, make a new link
                OpenLinks.Add(this);
                try
                {
                    var callbacks = new NativeMethods.Callbacks
                    {
                        StructSize = (UIntPtr)Marshal.SizeOf(typeof(NativeMethods.Callbacks)),
                        LinkState = Marshal.GetFunctionPointerForDelegate(linkStateCallback),
                        Delta3 = Marshal.GetFunctionPointerForDelegate(delta3Callback),
                        Missed = Marshal.GetFunctionPointerForDelegate(missedCallback),
                    };
                    Check("devlink3_set_callbacks", NativeMethods.devlink3_set_callbacks(opened, ref callbacks));
                }
                catch
                {
                    NativeMethods.devlink3_close(opened); // no callback runs once it returns
                    OpenLinks.Remove(this);
                    throw;
                }
                link = opened;
                state = Opened;
            }
        }

        /// <summary>
        /// devlink3_close: when it returns no event of this link is running or will be raised
        /// (from inside a handler of this link: none follows that handler). Dispose does the same.
        /// </summary>
        public void Close()
        {
            IntPtr closing;
            lock (gate)
            {
                closing = link;
                link = IntPtr.Zero;
                bool wasOpen = state == Opened;
                state = Closed;
                if (!wasOpen) return;
            }
            // Outside the gate, as LegacyLink.Close.
            NativeMethods.devlink3_close(closing);
            OpenLinks.Remove(this);
        }

        public void Dispose()
        {
            Close();
        }

        private static void Check(string function, int status)
        {
            if (status != 0) throw new DevLinkException(function, status, NativeMethods.LastError());
        }

        private static byte[] Utf8(string text)
        {
            // NUL-terminated UTF-8, whatever the platform's ANSI code page.
            var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
            Encoding.UTF8.GetBytes(text, 0, text.Length, bytes, 0);
            return bytes;
        }

        private void OnLinkState(IntPtr userData, IntPtr statePtr)
        {
            try
            {
                var native = (NativeMethods.LinkStateNative)Marshal.PtrToStructure(statePtr, typeof(NativeMethods.LinkStateNative));
                var args = new LinkStateEventArgs((LinkState)native.State, native.PbxCode, native.Reason.Read(),
                    native.RetryInMs, native.PbxType.Read());
                EventHandler<LinkStateEventArgs> handler = StateChanged;
                if (handler != null) handler(this, args);
            }
            catch (Exception e)
            {
                Boundary.Report(this, CallbackError, e);
            }
        }

        private void OnDelta3(IntPtr userData, IntPtr recordPtr)
        {
            try
            {
                var native = (NativeMethods.Delta3Native)Marshal.PtrToStructure(recordPtr, typeof(NativeMethods.Delta3Native));
                var kind = native.Kind <= 3 ? (Delta3Kind)native.Kind : Delta3Kind.Unknown;
                var record = new Delta3Record(kind, native.Raw.Read(), native.PbxIp, native.Counter);
                EventHandler<Delta3Record> handler = Delta3Received;
                if (handler != null) handler(this, record);
            }
            catch (Exception e)
            {
                Boundary.Report(this, CallbackError, e);
            }
        }

        private void OnMissed(IntPtr userData, IntPtr missedPtr)
        {
            try
            {
                var native = (NativeMethods.MissedNative)Marshal.PtrToStructure(missedPtr, typeof(NativeMethods.MissedNative));
                EventHandler<MissedEventArgs> handler = Missed;
                if (handler != null) handler(this, new MissedEventArgs(native.Count, (MissedReason)native.Reason));
            }
            catch (Exception e)
            {
                Boundary.Report(this, CallbackError, e);
            }
        }
    }

    /// <summary>
    /// The links the library may call back: an open link stays here (and so do its
    /// delegates) until DLClose / devlink3_close has returned, even when the application
    /// drops every reference to it without disposing it. Those still open when the process
    /// exits are closed then: mono waits forever at exit for a library thread that has
    /// called into managed code while its link is open.
    /// </summary>
    internal static class OpenLinks
    {
        private static readonly HashSet<IDisposable> Links = new HashSet<IDisposable>();

        static OpenLinks()
        {
            AppDomain.CurrentDomain.ProcessExit += CloseAll;
        }

        internal static void Add(IDisposable link)
        {
            lock (Links) Links.Add(link);
        }

        internal static void Remove(IDisposable link)
        {
            lock (Links) Links.Remove(link);
        }

        private static void CloseAll(object sender, EventArgs e)
        {
            IDisposable[] open;
            lock (Links)
            {
                open = new IDisposable[Links.Count];
                Links.CopyTo(open);
            }
            foreach (IDisposable link in open)
            {
                try
                {
                    link.Dispose();
                }
                catch (Exception)
                {
                    // The process is exiting: nothing to tell, nobody to tell it to.
                }
            }
        }
    }

    /// <summary>What every callback does at the boundary with native code.</summary>
    internal static class Boundary
    {
        /// <summary>Hands an exception from a handler to CallbackError, or to Trace; never throws.</summary>
        internal static void Report(object sender, EventHandler<CallbackErrorEventArgs> handler, Exception e)
        {
            // Not a handler's fault: the runtime is aborting this thread (the process is
            // exiting while a handler runs, or an AppDomain unloads). .NET Framework and mono
            // raise the abort again at the end of the catch block, whatever we do.
            if (e is ThreadAbortException) return;
            try
            {
                if (handler != null)
                {
                    handler(sender, new CallbackErrorEventArgs(e));
                    return;
                }
            }
            catch (Exception inner)
            {
                e = new AggregateException(e, inner);
            }
            try
            {
                Trace.TraceError("devlink: an event handler threw: {0}", e);
            }
            catch (Exception)
            {
                // Nothing left to tell; above all, do not unwind into the library.
            }
        }
    }

    internal static class NativeMethods
    {
        // devlink.dll on Windows; mono and .NET find libdevlink.so (Linux) and
        // libdevlink.dylib (macOS) from the same name.
        private const string Library = "devlink";

        internal const int DEVLINK_SUCCESS = 0;

        // ---- The legacy API (devlink.h): LONG PASCAL, callbacks CALLBACK: __stdcall on x86.
        // TEXT* arguments are ANSI strings (the marshaller's default: the ANSI code page on
        // Windows, UTF-8 elsewhere). DWORD is uint, LONG is int.

        [UnmanagedFunctionPointer(CallingConvention.StdCall)]
        internal delegate void CommsEvent(uint pbxh, uint commsState, uint parm1);

        // info: the library's buffer, valid during the call only.
        [UnmanagedFunctionPointer(CallingConvention.StdCall)]
        internal delegate void CallLogEvent(uint pbxh, IntPtr info);

        [DllImport(Library, CallingConvention = CallingConvention.StdCall, CharSet = CharSet.Ansi,
            BestFitMapping = false, ThrowOnUnmappableChar = true, ExactSpelling = true)]
        internal static extern int DLOpen(uint pbxh, string pbxAddress, string pbxPassword, string reserved1,
            string reserved2, CommsEvent cb);

        [DllImport(Library, CallingConvention = CallingConvention.StdCall, ExactSpelling = true)]
        internal static extern int DLClose(uint pbxh);

        [DllImport(Library, CallingConvention = CallingConvention.StdCall, ExactSpelling = true)]
        internal static extern int DLRegisterType2CallDeltas(uint pbxh, CallLogEvent cb);

        [DllImport(Library, CallingConvention = CallingConvention.StdCall, ExactSpelling = true)]
        internal static extern int DLRegisterType3CallDeltas(uint pbxh, CallLogEvent cb);

        // ---- The extended API (devlink3.h): __cdecl; strings in are NUL-terminated UTF-8
        // (passed as byte[]), strings out are devlink3_str views; devlink3_status is int.

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        private static extern UIntPtr devlink3_last_error(byte[] buf, UIntPtr len);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int devlink3_config_new(byte[] target, byte[] user, byte[] password, out IntPtr config);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int devlink3_config_set_options(IntPtr config, byte[] options);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void devlink3_config_free(IntPtr config);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int devlink3_open(IntPtr config, out IntPtr link);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int devlink3_set_callbacks(IntPtr link, ref Callbacks callbacks);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void devlink3_close(IntPtr link);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void LinkStateCallback(IntPtr userData, IntPtr state);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void Delta3Callback(IntPtr userData, IntPtr record);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void MissedCallback(IntPtr userData, IntPtr missed);

        /// <summary>The reason for the last failure on this thread (devlink3_last_error).</summary>
        internal static string LastError()
        {
            int length = checked((int)devlink3_last_error(null, UIntPtr.Zero).ToUInt64());
            if (length == 0) return "(no reason given)";
            var buffer = new byte[length + 1];
            length = Math.Min(length, checked((int)devlink3_last_error(buffer, (UIntPtr)buffer.Length).ToUInt64()));
            return Encoding.UTF8.GetString(buffer, 0, length);
        }

        /// <summary>devlink3_str: len UTF-8 bytes at ptr (not NUL-terminated).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct Str
        {
            public IntPtr Ptr;
            public UIntPtr Len;

            /// <summary>A copy, as a string: the view is valid during the callback only.</summary>
            public string Read()
            {
                int length = checked((int)Len.ToUInt64());
                if (length == 0 || Ptr == IntPtr.Zero) return "";
                var bytes = new byte[length];
                Marshal.Copy(Ptr, bytes, 0, length);
                return Encoding.UTF8.GetString(bytes);
            }
        }

        /// <summary>
        /// devlink3_callbacks. The functions the wrapper does not use stay NULL; so does drop:
        /// the delegates live in the link, which stays reachable until devlink3_close returned.
        /// </summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct Callbacks
        {
            public UIntPtr StructSize;
            public IntPtr UserData;
            public IntPtr LinkState;
            public IntPtr Delta3;
            public IntPtr Delta2;
            public IntPtr SipTrack;
            public IntPtr CmExtn;
            public IntPtr Missed;
            public IntPtr Unparsed;
            public IntPtr Drop;
        }

        /// <summary>devlink3_link_state.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct LinkStateNative
        {
            public uint State;
            public uint PbxCode;
            public Str Reason;
            public ulong RetryInMs;
            public Str PbxType;
            public Str Variant;
        }

        /// <summary>devlink3_delta3 (origin inlined: two uint32).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct Delta3Native
        {
            public uint Kind;
            public uint PbxIp;
            public uint Counter;
            public Str Raw;
            public IntPtr Detail;
            public IntPtr CallLost;
            public IntPtr LinkLost;
            public IntPtr AttemptReject;
        }

        /// <summary>devlink3_missed.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct MissedNative
        {
            public ulong Count;
            public uint Reason;
        }
    }
}
