/*
 * Several IP Office links in one process, one pbxh each.
 *
 *   legacy_multi TARGET LINKS
 *
 * Opens LINKS links (pbxh 100, 101, ...), waits until all are OPERATIONAL, registers
 * each, prints READY, then prints "RECORD <pbxh> <hex>" for every record until "quit".
 */
#include "harness.h"

#include "devlink.h"

#define FIRST_PBXH 100

static counter operational;

static void CALLBACK comms_event(DWORD pbxh, DWORD comms_state, DWORD parm1)
{
    say("COMMS %lu %lu %lu", (unsigned long)pbxh, (unsigned long)comms_state, (unsigned long)parm1);
    if (comms_state == DEVLINK_COMMS_OPERATIONAL) counter_add(&operational, 1);
}

static void CALLBACK call_record(DWORD pbxh, TEXT *info)
{
    char tag[32];
    sprintf(tag, "RECORD %lu", (unsigned long)pbxh);
    say_hex(tag, info, strlen(info));
}

int main(int argc, char **argv)
{
    char command[64];
    long links, i;

    if (argc < 3) fail("usage: legacy_multi TARGET LINKS");
    links = atol(argv[2]);
    counter_init(&operational);
    for (i = 0; i < links; i++) {
        CHECK(DLOpen((DWORD)(FIRST_PBXH + i), argv[1], (char *)"devlink3", NULL, NULL, comms_event) == DEVLINK_SUCCESS);
    }
    /* A second DLOpen of an open pbxh fails. */
    CHECK(DLOpen(FIRST_PBXH, argv[1], (char *)"devlink3", NULL, NULL, comms_event) == DEVLINK_UNSPECIFIEDFAIL);
    if (!counter_wait(&operational, links, 10000)) fail("only %ld of %ld links operational", counter_get(&operational), links);
    for (i = 0; i < links; i++) {
        CHECK(DLRegisterType2CallDeltas((DWORD)(FIRST_PBXH + i), call_record) == DEVLINK_SUCCESS);
    }
    say("READY");
    while (read_command(command, sizeof command) && strcmp(command, "quit") != 0) {
    }
    for (i = 0; i < links; i++) {
        CHECK(DLClose((DWORD)(FIRST_PBXH + i)) == DEVLINK_SUCCESS);
    }
    say("BYE");
    return 0;
}
