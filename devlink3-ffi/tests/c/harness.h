/*
 * Shared helpers of the C test programs (C99 + POSIX threads; also valid C++).
 *
 * The programs talk to the Rust test that runs them in lines on stdout ("COMMS 0 0",
 * "RECORD <hex>", "READY"...), flushed as written, and take commands on stdin. Callbacks
 * print from the library's threads, so every line is written under one mutex.
 */
#ifndef HARNESS_H
#define HARNESS_H

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t harness_out = PTHREAD_MUTEX_INITIALIZER;

/* Prints one line (without its newline in fmt) and flushes it. */
static inline void say(const char *fmt, ...)
{
    va_list args;
    pthread_mutex_lock(&harness_out);
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    putchar('\n');
    fflush(stdout);
    pthread_mutex_unlock(&harness_out);
}

/* Prints "<tag> <hex of the bytes>" so that the test compares bytes, not encodings. */
static inline void say_hex(const char *tag, const char *bytes, size_t len)
{
    size_t i;
    pthread_mutex_lock(&harness_out);
    printf("%s ", tag);
    for (i = 0; i < len; i++) {
        printf("%02x", (unsigned)(unsigned char)bytes[i]);
    }
    putchar('\n');
    fflush(stdout);
    pthread_mutex_unlock(&harness_out);
}

/* Ends the program with a reason the test prints. */
static inline void fail(const char *fmt, ...)
{
    va_list args;
    pthread_mutex_lock(&harness_out);
    printf("FAIL ");
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    putchar('\n');
    fflush(stdout);
    pthread_mutex_unlock(&harness_out);
    exit(1);
}

#define CHECK(cond) \
    do { \
        if (!(cond)) fail("%s:%d: %s", __FILE__, __LINE__, #cond); \
    } while (0)

static inline void sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* A counter threads can wait on: callbacks bump it, the main thread waits for a value. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    long value;
} counter;

static inline void counter_init(counter *c)
{
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->changed, NULL);
    c->value = 0;
}

static inline void counter_add(counter *c, long n)
{
    pthread_mutex_lock(&c->lock);
    c->value += n;
    pthread_cond_broadcast(&c->changed);
    pthread_mutex_unlock(&c->lock);
}

static inline long counter_get(counter *c)
{
    long value;
    pthread_mutex_lock(&c->lock);
    value = c->value;
    pthread_mutex_unlock(&c->lock);
    return value;
}

/* Waits up to ms for the counter to reach at least target; returns whether it did. */
static inline int counter_wait(counter *c, long target, long ms)
{
    struct timespec deadline;
    int reached;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec += 1;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&c->lock);
    while (c->value < target) {
        if (pthread_cond_timedwait(&c->changed, &c->lock, &deadline) == ETIMEDOUT) {
            break;
        }
    }
    reached = c->value >= target;
    pthread_mutex_unlock(&c->lock);
    return reached;
}

/* Reads one command line from stdin into buf without its newline; 0 at end of input. */
static inline int read_command(char *buf, size_t len)
{
    size_t n;
    if (fgets(buf, (int)len, stdin) == NULL) {
        return 0;
    }
    n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        buf[--n] = '\0';
    }
    return 1;
}

#endif /* HARNESS_H */
