// Program.cs: a console sample of DevLink.cs, written to be driven by a test.
//
//   sample.exe legacy  TARGET PASSWORD [USER]   legacy API, Delta2 (DLRegisterType2CallDeltas)
//   sample.exe legacy3 TARGET PASSWORD [USER]   legacy API, Delta3 (DLRegisterType3CallDeltas)
//   sample.exe delta3  TARGET PASSWORD [USER]   extended API (devlink3_*), Delta3
//
// USER is the service user (DLOpen's reserved1); without it, the legacy API takes the
// library's configuration (DEVLINK3_USER...), the extended API DEVLINK3_USER.
//
// One line per event on stdout (UTF-8):
//   COMMS <state> <parm1>         legacy comms state (0 operational, 1 no response,
//                                 2 rejected, 3 missed packets)
//   OPEN_FAILED <rc> <why>        legacy: DLOpen failed (the comms state follows)
//   REGISTERED / NOT_REGISTERED <state>
//                                 legacy: registered for records once the first state was
//                                 Operational, or not (another first state)
//   STATE <state> <pbx code> <reason>   extended link state (operational, rejected...)
//   DELTA2 <kind> <text>          a Delta2 record (Status, Deleted, Swapped, Unknown)
//   DELTA3 <kind> <text>          a Delta3 record (Detail, CallLost, LinkLost, AttemptReject)
//   MISSED <count> <reason>       extended: records lost (CounterGap, SlowConsumer)
//   CAUGHT <message>              a handler threw; the wrapper caught it
//   READY, ARMED, GC, CLOSED <rc>, CLOSED_IN_CALLBACK <rc>, BYE
//   FAIL <why>                    anything wrong, then the exit code is 1
//   LATE                          the next line is an event after Close returned (a failure)
// Commands on stdin, one a line:
//   close               Close (Dispose) the link: CLOSED <rc> (-1: it was not open)
//   close_in_callback   the next record's handler closes the link: CLOSED_IN_CALLBACK <rc>
//   throw               the next record's handler throws (the wrapper must catch it)
//   gc                  full garbage collections (the callbacks must survive them)
//   exit                EXIT, then Environment.Exit without closing the link
//   quit (or end of input)
//
// In delta3 mode, STATE lines may come before READY: the link reports from its own thread
// as soon as Open has set the callbacks.
//
// It also checks the wrapper's promises: every event on one thread (not the main one),
// one at a time, and none after Close has returned.

using System;
using System.IO;
using System.Text;
using System.Threading;
using DevLink3;

internal static class Program
{
    private static readonly TextWriter Out = TextWriter.Synchronized(
        new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" });

    private static int failures;
    private static int mainThread;
    private static int eventThread;
    private static int inHandler;
    private static volatile bool closed;
    private static int throwNext;
    private static int closeInNext;
    private static Func<int> closeLink;

    private static int Main(string[] args)
    {
        mainThread = Thread.CurrentThread.ManagedThreadId;
        try
        {
            Run(args);
        }
        catch (Exception e)
        {
            Fail(e.GetType().Name + ": " + e.Message);
        }
        Say("BYE");
        return failures == 0 ? 0 : 1;
    }

    private static void Run(string[] args)
    {
        if (args.Length < 3 || args.Length > 4)
        {
            throw new ArgumentException("usage: sample.exe legacy|legacy3|delta3 TARGET PASSWORD [USER]");
        }
        string mode = args[0], target = args[1], password = args[2];
        string user = args.Length > 3 ? args[3] : null;
        switch (mode)
        {
            case "legacy":
            case "legacy3":
                using (var link = new LegacyLink(1, target, password, user))
                {
                    RunLegacy(link, mode == "legacy3");
                }
                break;
            case "delta3":
                user = user ?? Environment.GetEnvironmentVariable("DEVLINK3_USER");
                if (user == null) throw new ArgumentException("no USER argument and no DEVLINK3_USER");
                using (var link = new Devlink3Link(target, user, password))
                {
                    RunDelta3(link);
                }
                break;
            default:
                throw new ArgumentException("unknown mode " + mode + " (legacy, legacy3 or delta3)");
        }
    }

    private static void RunLegacy(LegacyLink link, bool delta3)
    {
        var firstState = new ManualResetEvent(false);
        CommsState first = CommsState.Operational;
        link.CommsChanged += (sender, e) => Handle("COMMS", () =>
        {
            Say("COMMS " + (uint)e.State + " " + e.Parm1);
            if (!firstState.WaitOne(0))
            {
                first = e.State;
                firstState.Set();
            }
        });
        link.Delta2Received += (sender, record) => Handle("DELTA2", () => Record("DELTA2 " + record.Kind + " " + record.Text));
        link.Delta3Received += (sender, record) => Handle("DELTA3", () => Record("DELTA3 " + record.Kind + " " + record.Text));
        link.CallbackError += (sender, e) => Say("CAUGHT " + e.Exception.Message);
        closeLink = link.Close;

        try
        {
            link.Open();
        }
        catch (DevLinkException e)
        {
            // As in C, the comms callback hears of it too (Rejected), and then the
            // sample carries on as a legacy application that ignores return codes would.
            Say("OPEN_FAILED " + e.Code + " " + e.Message);
        }
        // As the old guide's example: give the link 10 seconds to report.
        if (!firstState.WaitOne(10000)) throw new TimeoutException("no comms state within 10 s");
        if (first == CommsState.Operational)
        {
            if (delta3) link.RegisterType3CallDeltas();
            else link.RegisterType2CallDeltas();
            Say("REGISTERED");
        }
        else
        {
            Say("NOT_REGISTERED " + (uint)first);
        }
        Commands();
    }

    private static void RunDelta3(Devlink3Link link)
    {
        link.StateChanged += (sender, e) => Handle("STATE", () =>
            Say("STATE " + e.State.ToString().ToLowerInvariant() + " 0x" + e.PbxCode.ToString("X8") + " " + e.Reason));
        link.Delta3Received += (sender, record) => Handle("DELTA3", () => Record("DELTA3 " + record.Kind + " " + record.Text));
        link.Missed += (sender, e) => Handle("MISSED", () => Say("MISSED " + e.Count + " " + e.Reason));
        link.CallbackError += (sender, e) => Say("CAUGHT " + e.Exception.Message);
        closeLink = () =>
        {
            link.Close();
            return 0;
        };

        link.Open();
        Commands();
    }

    private static void Commands()
    {
        Say("READY");
        string line;
        while ((line = Console.In.ReadLine()) != null)
        {
            switch (line.Trim())
            {
                case "close":
                    int rc = closeLink();
                    closed = true;
                    Say("CLOSED " + rc);
                    break;
                case "close_in_callback":
                    Interlocked.Exchange(ref closeInNext, 1);
                    Say("ARMED");
                    break;
                case "throw":
                    Interlocked.Exchange(ref throwNext, 1);
                    Say("ARMED");
                    break;
                case "gc":
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    GC.Collect();
                    Say("GC");
                    break;
                case "exit":
                    // Leaves without Dispose, as careless applications do: the wrapper
                    // closes the link on ProcessExit (mono would otherwise hang here).
                    Say("EXIT");
                    Environment.Exit(failures == 0 ? 0 : 1);
                    break;
                case "quit":
                    return;
                case "":
                    break;
                default:
                    Fail("unknown command " + line);
                    break;
            }
        }
    }

    /// <summary>A record's handler: prints it, or obeys the armed command.</summary>
    private static void Record(string line)
    {
        // Take the armed command before printing: once the line is out, the test may arm
        // the next one, which is for the next record.
        bool close = Interlocked.Exchange(ref closeInNext, 0) != 0;
        if (Interlocked.Exchange(ref throwNext, 0) != 0)
        {
            throw new InvalidOperationException("thrown by the record handler, as asked");
        }
        Say(line);
        if (close)
        {
            int rc = closeLink();
            closed = true;
            Say("CLOSED_IN_CALLBACK " + rc);
        }
    }

    /// <summary>Runs an event handler's body, checking the wrapper's threading promises.</summary>
    private static void Handle(string what, Action body)
    {
        if (closed) Say("LATE"); // then the event, below
        int thread = Thread.CurrentThread.ManagedThreadId;
        if (thread == mainThread) Fail(what + " on the main thread");
        int seen = Interlocked.CompareExchange(ref eventThread, thread, 0);
        if (seen != 0 && seen != thread) Fail(what + " on thread " + thread + ", earlier events on " + seen);
        if (Interlocked.Increment(ref inHandler) != 1) Fail(what + " while another event was being handled");
        try
        {
            body();
        }
        finally
        {
            Interlocked.Decrement(ref inHandler);
        }
    }

    private static void Say(string line)
    {
        Out.WriteLine(line);
    }

    private static void Fail(string why)
    {
        Interlocked.Increment(ref failures);
        Say("FAIL " + why);
    }
}
