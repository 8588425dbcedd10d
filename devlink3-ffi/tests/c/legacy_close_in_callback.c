/*
 * DLClose from inside a callback, and registration from inside one.
 *
 *   legacy_close_in_callback TARGET
 *
 * The comms callback, on OPERATIONAL, registers the record callback (the common legacy
 * pattern) and then closes its own pbxh. DLClose must return at once without
 * deadlocking, and no callback may follow. The pbxh is then free for a new DLOpen.
 */
#include "harness.h"

#include "devlink.h"

#define PBXH 7

static counter closed_inside;
static counter callbacks_after_close;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int closed;

static void CALLBACK call_record(DWORD pbxh, TEXT *info)
{
    (void)pbxh;
    (void)info;
}

static void CALLBACK comms_event(DWORD pbxh, DWORD comms_state, DWORD parm1)
{
    LONG rc;
    int already_closed;
    (void)parm1;
    pthread_mutex_lock(&lock);
    already_closed = closed;
    pthread_mutex_unlock(&lock);
    if (already_closed) {
        counter_add(&callbacks_after_close, 1);
        return;
    }
    if (comms_state != DEVLINK_COMMS_OPERATIONAL) fail("comms state %lu before OPERATIONAL", (unsigned long)comms_state);
    rc = DLRegisterType2CallDeltas(pbxh, call_record);
    if (rc != DEVLINK_SUCCESS) fail("DLRegisterType2CallDeltas inside the callback returned %ld", (long)rc);
    rc = DLClose(pbxh);
    if (rc != DEVLINK_SUCCESS) fail("DLClose inside the callback returned %ld", (long)rc);
    pthread_mutex_lock(&lock);
    closed = 1;
    pthread_mutex_unlock(&lock);
    counter_add(&closed_inside, 1);
}

int main(int argc, char **argv)
{
    char why[256];
    if (argc < 2) fail("usage: legacy_close_in_callback TARGET");
    counter_init(&closed_inside);
    counter_init(&callbacks_after_close);

    CHECK(DLOpen(PBXH, argv[1], (char *)"devlink3", NULL, NULL, comms_event) == DEVLINK_SUCCESS);
    if (!counter_wait(&closed_inside, 1, 10000)) fail("the callback did not close the link within 10 s");
    /* Nothing may follow the callback that closed the link. */
    sleep_ms(500);
    CHECK(counter_get(&callbacks_after_close) == 0);

    /* The pbxh is gone: closing it again fails and says why. */
    CHECK(DLClose(PBXH) == DEVLINK_UNSPECIFIEDFAIL);
    CHECK(devlink3_last_error(why, sizeof why) > 0);
    CHECK(strstr(why, "not open") != NULL);

    /* And it can be opened again. */
    pthread_mutex_lock(&lock);
    closed = 0;
    pthread_mutex_unlock(&lock);
    CHECK(DLOpen(PBXH, argv[1], (char *)"devlink3", NULL, NULL, comms_event) == DEVLINK_SUCCESS);
    if (!counter_wait(&closed_inside, 2, 10000)) fail("the reopened link did not close itself within 10 s");
    say("OK");
    return 0;
}
