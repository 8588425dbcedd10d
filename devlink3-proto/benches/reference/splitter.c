/*
 * The reference reader for devlink3's parse speed (benches/reference.rs runs it): what a
 * hand-written C program does with the same DevLink3 event frames, and no more.
 *
 *   splitter FILE PASSES
 *
 * Times are CPU time (the machine is shared: time spent descheduled is not the reader's).
 *
 * FILE holds DevLink3 frames back to back. Each pass deframes every frame (2- and 3-octet
 * lengths), takes the Delta3 tuple of each Event packet, and records, zero-copy, every
 * section (<Name>...</Name>) and every comma-separated field of it, double quotes
 * respected, as offsets into the buffer. It prints one line per pass:
 *   PASS <events> <fields> <seconds>
 * Fields are summed so that the compiler cannot skip the work.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_FIELDS 512

struct span {
    uint32_t start, len;
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Splits one Delta3 record into sections and quote-aware fields; returns the field count. */
static size_t split(const unsigned char *text, size_t len, struct span *fields)
{
    size_t n = 0, i = 0;
    while (i < len) {
        size_t open, start, end;
        if (text[i] != '<') {
            i++;
            continue;
        }
        open = i;
        while (i < len && text[i] != '>') i++;
        if (i >= len) break;
        i++;
        if (text[open + 1] == '/') continue; /* a closing tag */
        start = i;
        while (i < len && text[i] != '<') i++;
        end = i;
        if (end == start) continue; /* a container: <Detail>, <Target_list> */
        /* the section's fields */
        {
            size_t f = start;
            int quoted = 0;
            size_t k;
            for (k = start; k <= end; k++) {
                if (k < end && text[k] == '"') quoted = !quoted;
                if (k == end || (text[k] == ',' && !quoted)) {
                    if (n < MAX_FIELDS) {
                        fields[n].start = (uint32_t)f;
                        fields[n].len = (uint32_t)(k - f);
                    }
                    n++;
                    f = k + 1;
                }
            }
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    FILE *in;
    unsigned char *buf;
    long size;
    int passes, pass;
    struct span fields[MAX_FIELDS];

    if (argc != 3) {
        fprintf(stderr, "usage: splitter FILE PASSES\n");
        return 2;
    }
    passes = atoi(argv[2]);
    in = fopen(argv[1], "rb");
    if (in == NULL || fseek(in, 0, SEEK_END) != 0 || (size = ftell(in)) < 0 || fseek(in, 0, SEEK_SET) != 0) {
        perror(argv[1]);
        return 1;
    }
    buf = malloc((size_t)size);
    if (buf == NULL || fread(buf, 1, (size_t)size, in) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(in);

    for (pass = 0; pass < passes; pass++) {
        struct timespec t0, t1;
        size_t at = 0, events = 0, total = 0;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
        while (at + 3 <= (size_t)size) {
            size_t header, frame;
            const unsigned char *p = buf + at;
            if (p[0] != 0x49) {
                fprintf(stderr, "not a frame at %zu\n", at);
                return 1;
            }
            if (p[1] & 0x80) {
                header = 4;
                frame = (size_t)(p[1] & 0x7f) << 15 | (size_t)(p[2] & 0x7f) << 8 | p[3];
            } else {
                header = 3;
                frame = (size_t)p[1] << 8 | p[2];
            }
            if (frame < header || at + frame > (size_t)size) {
                fprintf(stderr, "bad frame length at %zu\n", at);
                return 1;
            }
            {
                const unsigned char *payload = p + header;
                size_t plen = frame - header, t = 12;
                if (plen >= 12 && be32(payload) == 0x10300011) {
                    while (t + 6 <= plen) {
                        uint32_t tag = be32(payload + t);
                        size_t dlen = (size_t)payload[t + 4] << 8 | payload[t + 5];
                        const unsigned char *data = payload + t + 6;
                        if (t + 6 + dlen > plen) break;
                        if (tag == 0x00760001) {
                            size_t tlen = dlen > 0 && data[dlen - 1] == 0 ? dlen - 1 : dlen;
                            total += split(data, tlen, fields);
                            events++;
                        }
                        t += 6 + dlen;
                    }
                }
            }
            at += frame;
        }
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
        printf("PASS %zu %zu %.6f\n", events, total,
               (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    }
    free(buf);
    return 0;
}
