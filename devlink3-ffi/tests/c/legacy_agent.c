/*
 * A legacy DevLink application driven by the Rust test: opens one link the 2005 way,
 * reports every callback on stdout, and obeys commands on stdin.
 *
 *   legacy_agent TARGET PASSWORD TYPE [RESERVED2]
 *
 * TYPE is 2 or 3: the record callback to register (DLRegisterType2/3CallDeltas) once the
 * first comms state came; "2-later" or "3-later" registers only on the "register" command.
 * Output lines: "OPEN <rc> <last error>", "COMMS <state> <parm1>", "RECORD <hex>",
 * "REGISTER <rc> <last error>", "READY", "CLOSED <rc>", and "EARLY" / "LATE" for
 * callbacks before DLOpen returned or after DLClose returned (the test fails on those).
 * Commands: "register" (register again), "slow <ms>" (record callback sleeps),
 * "close" (DLClose), "quit".
 * The service user comes from the environment (DEVLINK3_USER) or a devlink.ini, as for an
 * unchanged application: reserved1 is NULL.
 */
#include "harness.h"

#include "devlink.h"

#define PBXH 1

static pthread_mutex_t flags_lock = PTHREAD_MUTEX_INITIALIZER;
static int dlopen_returned;
static int dlclose_returned;
static long slow_ms;
static counter comms_seen;

static void check_window(void)
{
    pthread_mutex_lock(&flags_lock);
    if (!dlopen_returned) say("EARLY");
    if (dlclose_returned) say("LATE");
    pthread_mutex_unlock(&flags_lock);
}

static void CALLBACK comms_event(DWORD pbxh, DWORD comms_state, DWORD parm1)
{
    check_window();
    if (pbxh != PBXH) fail("comms callback for pbxh %lu", (unsigned long)pbxh);
    say("COMMS %lu %lu", (unsigned long)comms_state, (unsigned long)parm1);
    counter_add(&comms_seen, 1);
}

static void CALLBACK call_record(DWORD pbxh, TEXT *info)
{
    long delay;
    check_window();
    if (pbxh != PBXH) fail("record callback for pbxh %lu", (unsigned long)pbxh);
    say_hex("RECORD", info, strlen(info));
    pthread_mutex_lock(&flags_lock);
    delay = slow_ms;
    pthread_mutex_unlock(&flags_lock);
    if (delay > 0) sleep_ms(delay);
}

static void do_register(int type)
{
    char why[512];
    LONG rc = type == 3 ? DLRegisterType3CallDeltas(PBXH, call_record) : DLRegisterType2CallDeltas(PBXH, call_record);
    why[0] = '\0';
    if (rc != DEVLINK_SUCCESS) devlink3_last_error(why, sizeof why);
    say("REGISTER %ld %s", (long)rc, why);
}

int main(int argc, char **argv)
{
    char command[256];
    char why[512];
    int type;
    LONG rc;

    if (argc < 4) fail("usage: legacy_agent TARGET PASSWORD TYPE [RESERVED2]");
    type = atoi(argv[3]);
    counter_init(&comms_seen);

    rc = DLOpen(PBXH, argv[1], argv[2], NULL, argc > 4 ? argv[4] : NULL, comms_event);
    pthread_mutex_lock(&flags_lock);
    dlopen_returned = 1;
    pthread_mutex_unlock(&flags_lock);
    why[0] = '\0';
    if (rc != DEVLINK_SUCCESS) devlink3_last_error(why, sizeof why);
    say("OPEN %ld %s", (long)rc, why);

    /* As the guide's example: give the link 10 seconds to report (a failed DLOpen is
     * reported as REJECTED too). */
    if (!counter_wait(&comms_seen, 1, 10000)) fail("no comms state within 10 s");
    if (rc == DEVLINK_SUCCESS && strstr(argv[3], "later") == NULL) do_register(type);
    say("READY");

    while (read_command(command, sizeof command)) {
        if (strcmp(command, "register") == 0) {
            do_register(type);
        } else if (strncmp(command, "slow ", 5) == 0) {
            pthread_mutex_lock(&flags_lock);
            slow_ms = atol(command + 5);
            pthread_mutex_unlock(&flags_lock);
            say("SLOW %ld", slow_ms);
        } else if (strcmp(command, "close") == 0) {
            rc = DLClose(PBXH);
            pthread_mutex_lock(&flags_lock);
            dlclose_returned = 1;
            pthread_mutex_unlock(&flags_lock);
            say("CLOSED %ld", (long)rc);
        } else if (strcmp(command, "quit") == 0) {
            break;
        } else {
            fail("unknown command %s", command);
        }
    }
    /* Callbacks that were still due must not come after DLClose: give them a chance. */
    sleep_ms(100);
    say("BYE");
    return 0;
}
