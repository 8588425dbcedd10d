/*
 * events.c -- the extended devlink3 C API: open a link, read the PBX's user list, and
 * print call events as they come, for a while.
 *
 *     devlink3 sim &
 *     ./events tcp://127.0.0.1:50797 devlink3 devlink3 30
 *
 * Arguments: target (host, host:port, tcp://..., tls://...), service user, password,
 * seconds to run (default 30). Events are pulled with devlink3_next_event; see
 * devlink3_set_callbacks for having them pushed instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "devlink3.h"

#define STR(s) (int)(s).len, (s).ptr

static int fail(const char *what, devlink3_status status)
{
    char why[512];
    devlink3_last_error(why, sizeof why);
    fprintf(stderr, "%s: %s: %s\n", what, devlink3_status_name(status), why);
    return 1;
}

static void print_party(const char *label, const devlink3_party *p)
{
    printf("    %s %.*s (%.*s) cli %.*s state %u\n", label, STR(p->end_id), STR(p->calling_name), STR(p->cli),
           (unsigned)p->state);
}

static void print_delta3(const devlink3_delta3 *r)
{
    size_t i;
    switch (r->kind) {
    case DEVLINK3_DELTA3_KIND_DETAIL:
        printf("call %u at node %.*s\n", (unsigned)r->detail->call.call_id, STR(r->detail->call.node));
        print_party("A", &r->detail->party_a);
        if (r->detail->party_b != NULL) print_party("B", r->detail->party_b);
        for (i = 0; i < r->detail->targets_len; i++) {
            printf("    ringing %.*s\n", STR(r->detail->targets[i].identity));
        }
        break;
    case DEVLINK3_DELTA3_KIND_CALL_LOST:
        printf("call end %.*s gone, cause %u\n", STR(r->call_lost->end_id), (unsigned)r->call_lost->cause);
        break;
    case DEVLINK3_DELTA3_KIND_LINK_LOST:
        printf("link end %.*s gone, cause %u\n", STR(r->link_lost->end_id), (unsigned)r->link_lost->cause);
        break;
    case DEVLINK3_DELTA3_KIND_ATTEMPT_REJECT:
        printf("%.*s rejected a call (%.*s)\n", STR(r->attempt_reject->user), STR(r->attempt_reject->qualifier));
        break;
    }
}

static void print_users(devlink3_link *link)
{
    uint8_t *data = NULL;
    size_t len = 0, lines = 0, i;
    devlink3_status status = devlink3_read_file(link, "nasystem/user_list", &data, &len);
    if (status != DEVLINK3_STATUS_OK) {
        fail("reading the user list", status);
        return;
    }
    for (i = 0; i < len; i++) {
        if (data[i] == '\n') lines++;
    }
    printf("the PBX has %lu users\n", (unsigned long)lines);
    devlink3_buffer_free(data);
}

int main(int argc, char **argv)
{
    const char *target = argc > 1 ? argv[1] : "tcp://127.0.0.1:50797";
    const char *user = argc > 2 ? argv[2] : "devlink3";
    const char *password = argc > 3 ? argv[3] : "devlink3";
    long seconds = argc > 4 ? atol(argv[4]) : 30;
    time_t end = time(NULL) + seconds;
    devlink3_config *config = NULL;
    devlink3_link *link = NULL;
    devlink3_status status;

    printf("devlink3 %s\n", devlink3_version());
    status = devlink3_config_new(target, user, password, &config);
    if (status != DEVLINK3_STATUS_OK) return fail("devlink3_config_new", status);
    devlink3_config_set_app_name(config, "events.c example");
    status = devlink3_open(config, &link);
    devlink3_config_free(config);
    if (status != DEVLINK3_STATUS_OK) return fail("devlink3_open", status);

    while (time(NULL) < end) {
        devlink3_event *event = NULL;
        status = devlink3_next_event(link, 500, &event);
        if (status == DEVLINK3_STATUS_TIMEOUT) continue;
        if (status != DEVLINK3_STATUS_OK) {
            fail("devlink3_next_event", status);
            break;
        }
        switch (event->kind) {
        case DEVLINK3_EVENT_KIND_LINK_STATE:
            printf("link: %.*s\n", STR(event->link_state->reason));
            if (event->link_state->state == DEVLINK3_STATE_OPERATIONAL) print_users(link);
            break;
        case DEVLINK3_EVENT_KIND_DELTA3:
            print_delta3(event->delta3);
            break;
        case DEVLINK3_EVENT_KIND_MISSED:
            printf("missed %llu events\n", (unsigned long long)event->missed->count);
            break;
        default:
            break;
        }
        fflush(stdout);
        devlink3_event_free(event);
    }
    devlink3_close(link);
    return 0;
}
