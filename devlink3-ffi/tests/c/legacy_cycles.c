/*
 * Open/close cycles: nothing may leak or linger.
 *
 *   legacy_cycles TARGET CYCLES
 *
 * Every other cycle waits for OPERATIONAL before DLClose; the others close at once,
 * while the connection is still being made. After DLClose no callback may come. On
 * Linux the open file descriptors and threads are counted after the first cycle and
 * at the end: closed links must not leave sockets or threads behind.
 */
#include "harness.h"

#include "devlink.h"

#ifdef __linux__
#include <dirent.h>
#endif

#define PBXH 42

static counter operational;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int closed;
static long late;

static void CALLBACK comms_event(DWORD pbxh, DWORD comms_state, DWORD parm1)
{
    (void)parm1;
    pthread_mutex_lock(&lock);
    if (closed) late++;
    pthread_mutex_unlock(&lock);
    if (pbxh != PBXH) fail("callback for pbxh %lu", (unsigned long)pbxh);
    if (comms_state == DEVLINK_COMMS_OPERATIONAL) counter_add(&operational, 1);
}

/* Entries of a /proc directory, or -1 where there is none. */
static long count_entries(const char *dir)
{
#ifdef __linux__
    long n = 0;
    DIR *d = opendir(dir);
    if (d == NULL) return -1;
    while (readdir(d) != NULL) n++;
    closedir(d);
    return n;
#else
    (void)dir;
    return -1;
#endif
}

int main(int argc, char **argv)
{
    long cycles, i, fds_before = -1, threads_before = -1, fds_after, threads_after;
    char why[256];

    if (argc < 3) fail("usage: legacy_cycles TARGET CYCLES");
    cycles = atol(argv[2]);
    counter_init(&operational);

    for (i = 0; i < cycles; i++) {
        long reached = counter_get(&operational);
        pthread_mutex_lock(&lock);
        closed = 0;
        pthread_mutex_unlock(&lock);
        if (DLOpen(PBXH, argv[1], (char *)"devlink3", NULL, NULL, comms_event) != DEVLINK_SUCCESS) {
            devlink3_last_error(why, sizeof why);
            fail("cycle %ld: DLOpen: %s", i, why);
        }
        if (i % 2 == 0 && !counter_wait(&operational, reached + 1, 10000)) fail("cycle %ld: not operational", i);
        if (DLClose(PBXH) != DEVLINK_SUCCESS) fail("cycle %ld: DLClose failed", i);
        pthread_mutex_lock(&lock);
        closed = 1;
        pthread_mutex_unlock(&lock);
        if (i == 0) {
            /* The library's runtime exists from the first cycle on. */
            fds_before = count_entries("/proc/self/fd");
            threads_before = count_entries("/proc/self/task");
        }
    }
    sleep_ms(200);
    fds_after = count_entries("/proc/self/fd");
    threads_after = count_entries("/proc/self/task");
    say("CYCLES %ld OPERATIONAL %ld FDS %ld->%ld THREADS %ld->%ld", cycles, counter_get(&operational), fds_before,
        fds_after, threads_before, threads_after);
    CHECK(late == 0);
    CHECK(counter_get(&operational) >= (cycles + 1) / 2);
    CHECK(fds_after <= fds_before + 2);
    CHECK(threads_after <= threads_before + 2);
    say("OK");
    return 0;
}
