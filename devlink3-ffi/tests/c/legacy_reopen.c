/*
 * An application that checks DLOpen's result and retries at once with better settings:
 * the first DLOpen fails (a bad option), the second, on the same pbxh, succeeds. The
 * REJECTED the library reports for the failed open must not reach the new link.
 *
 *   legacy_reopen TARGET PASSWORD
 *
 * Prints "COMMS <state> <parm1>" per comms callback, then "CLOSED <rc>" and "OK". The
 * service user comes from DEVLINK3_USER.
 */
#include "harness.h"

#include "devlink.h"

#define PBXH 5

static counter operational;

static void CALLBACK comms_event(DWORD pbxh, DWORD comms_state, DWORD parm1)
{
    if (pbxh != PBXH) fail("comms callback for pbxh %lu", (unsigned long)pbxh);
    say("COMMS %lu %lu", (unsigned long)comms_state, (unsigned long)parm1);
    if (comms_state == DEVLINK_COMMS_OPERATIONAL) counter_add(&operational, 1);
}

int main(int argc, char **argv)
{
    /* The original prototype takes non-const TEXT *. */
    char bad_option[] = "colour=blue";
    LONG rc;
    if (argc < 3) fail("usage: legacy_reopen TARGET PASSWORD");
    counter_init(&operational);
    rc = DLOpen(PBXH, argv[1], argv[2], NULL, bad_option, comms_event);
    if (rc != DEVLINK_UNSPECIFIEDFAIL) fail("the bad option was accepted: %ld", (long)rc);
    rc = DLOpen(PBXH, argv[1], argv[2], NULL, NULL, comms_event);
    if (rc != DEVLINK_SUCCESS) fail("the second DLOpen returned %ld", (long)rc);
    if (!counter_wait(&operational, 1, 10000)) fail("no OPERATIONAL within 10 s");
    /* Well past the 20 ms after which the failed open's report would have come. */
    sleep_ms(300);
    say("CLOSED %ld", (long)DLClose(PBXH));
    sleep_ms(100);
    say("OK");
    return 0;
}
