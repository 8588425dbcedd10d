/*
 * The call model through the extended API, driven by the Rust test.
 *
 *   calls_agent TARGET pull|push|push-old-header
 *
 * Prints one line per call model event:
 *   CALL <kind> <id> <direction> <state> <caller> <called> <answered_by|-> <ringing,...|->
 *   ENDED <id> <disposition> <cleared_by|-> <cause> <ring> <talk> <hold>   (after CALL 10 ...)
 *   EXT <extension> <state> <previous>
 *   UNPLACED <reason>
 * push-old-header: registers the callbacks with the struct size of a header from before
 * `call` existed (the library must accept it and deliver no call events).
 * The main thread reads stdin; "quit" closes the link and exits.
 */
#include "harness.h"

#include "devlink3.h"

#include <math.h>
#include <stddef.h>

#define STR(s) (int)(s).len, (s).ptr

static devlink3_link *link_handle;
static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static int stop;

static const char *or_dash(devlink3_str s, char *buf, size_t cap)
{
    if (s.len == 0) return "-";
    snprintf(buf, cap, "%.*s", STR(s));
    return buf;
}

static void print_call_event(const devlink3_call_event *e)
{
    char answered[64], ringing[256], cleared[64];
    size_t i, used = 0;
    if (e->kind == DEVLINK3_CALL_EVENT_KIND_EXTENSION) {
        CHECK(e->call == NULL);
        say("EXT %.*s %u %u", STR(e->extension), (unsigned)e->extension_state, (unsigned)e->previous_state);
        return;
    }
    if (e->kind == DEVLINK3_CALL_EVENT_KIND_UNPLACED) {
        CHECK(e->call == NULL && e->record.len > 0);
        say("UNPLACED %.*s", STR(e->reason));
        return;
    }
    CHECK(e->call != NULL);
    const devlink3_live_call *c = e->call;
    CHECK(c->ringing_count == 0 || c->ringing != NULL);
    CHECK(c->party_count == 0 || c->parties != NULL);
    ringing[0] = '\0';
    for (i = 0; i < c->ringing_count; i++) {
        used += (size_t)snprintf(ringing + used, sizeof ringing - used, "%s%.*s", i ? "," : "", STR(c->ringing[i]));
    }
    say("CALL %u %.*s %u %u %.*s %.*s %s %s", (unsigned)e->kind, STR(c->id), (unsigned)c->direction,
        (unsigned)c->state, STR(c->caller), STR(c->called), or_dash(c->answered_by, answered, sizeof answered),
        c->ringing_count ? ringing : "-");
    if (e->kind == DEVLINK3_CALL_EVENT_KIND_ENDED) {
        CHECK(c->has_summary && !isnan(c->ended_at));
        say("ENDED %.*s %u %s %u %.1f %.1f %.1f", STR(c->id), (unsigned)c->disposition,
            or_dash(c->cleared_by, cleared, sizeof cleared), c->has_cause ? (unsigned)c->cause : 0u, c->ring_seconds,
            c->talk_seconds, c->hold_seconds);
    } else {
        CHECK(!c->has_summary && isnan(c->ended_at));
    }
}

static void on_call(void *user_data, const devlink3_call_event *event)
{
    (void)user_data;
    print_call_event(event);
}

static void on_drop(void *user_data)
{
    (void)user_data;
    say("DROP");
}

static void *pull_loop(void *arg)
{
    (void)arg;
    for (;;) {
        devlink3_call_event *event = NULL;
        pthread_mutex_lock(&stop_lock);
        int stopping = stop;
        pthread_mutex_unlock(&stop_lock);
        if (stopping) return NULL;
        devlink3_status status = devlink3_next_call_event(link_handle, 100, &event);
        if (status == DEVLINK3_STATUS_TIMEOUT) continue;
        if (status != DEVLINK3_STATUS_OK) fail("devlink3_next_call_event: %s", devlink3_status_name(status));
        print_call_event(event);
        devlink3_call_event_free(event);
    }
}

int main(int argc, char **argv)
{
    devlink3_config *config = NULL;
    pthread_t puller;
    char line[256];
    int pull;
    if (argc < 3) fail("usage: calls_agent TARGET pull|push|push-old-header");
    pull = strcmp(argv[2], "pull") == 0;
    CHECK(devlink3_config_new(argv[1], "devlink3", "devlink3", &config) == DEVLINK3_STATUS_OK);
    CHECK(devlink3_open(config, &link_handle) == DEVLINK3_STATUS_OK);
    devlink3_config_free(config);
    /* Nothing to take yet: a timeout, not a wait forever. */
    if (pull) {
        devlink3_call_event *none = NULL;
        CHECK(devlink3_next_call_event(link_handle, 0, &none) == DEVLINK3_STATUS_TIMEOUT && none == NULL);
        CHECK(devlink3_next_call_event(link_handle, 0, NULL) == DEVLINK3_STATUS_NULL_ARGUMENT);
        devlink3_call_event_free(NULL);
        CHECK(pthread_create(&puller, NULL, pull_loop, NULL) == 0);
    } else {
        devlink3_callbacks cb;
        memset(&cb, 0, sizeof cb);
        cb.struct_size = sizeof cb;
        cb.call = on_call;
        cb.drop = on_drop;
        if (strcmp(argv[2], "push-old-header") == 0) {
            /* A program built before `call` existed: its struct ends at `drop`, and the
             * bytes after it are not its own (here: a function it never meant to give). */
            cb.struct_size = offsetof(devlink3_callbacks, drop) + sizeof cb.drop;
        }
        CHECK(devlink3_set_callbacks(link_handle, &cb) == DEVLINK3_STATUS_OK);
        if (strcmp(argv[2], "push-old-header") == 0) {
            /* ...so it subscribes another way: with a delta3 callback of its own. */
            say("OLD");
        }
    }
    say("READY");
    while (fgets(line, sizeof line, stdin) != NULL) {
        if (strncmp(line, "quit", 4) == 0) break;
        if (strncmp(line, "lamp ", 5) == 0) {
            devlink3_extension_state state = DEVLINK3_EXTENSION_STATE_TALKING;
            line[strcspn(line, "\n")] = '\0';
            CHECK(devlink3_extension_state_of(link_handle, line + 5, &state) == DEVLINK3_STATUS_OK);
            CHECK(devlink3_extension_state_of(link_handle, NULL, &state) == DEVLINK3_STATUS_NULL_ARGUMENT);
            CHECK(devlink3_extension_state_of(link_handle, line + 5, NULL) == DEVLINK3_STATUS_NULL_ARGUMENT);
            say("LAMP %s %u", line + 5, (unsigned)state);
        }
    }
    if (pull) {
        pthread_mutex_lock(&stop_lock);
        stop = 1;
        pthread_mutex_unlock(&stop_lock);
        pthread_join(puller, NULL);
    }
    devlink3_close(link_handle);
    say("BYE");
    return 0;
}
