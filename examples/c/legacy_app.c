/*
 * legacy_app.c -- a DevLink application as written in 2005, after the example in the
 * "IP Office CTI Link DevLink Programmer's Guide": connect, wait up to 10 seconds for
 * the link, register for Delta2 call records and print them until ENTER is pressed.
 *
 * It builds unchanged against include/devlink.h and runs on libdevlink (devlink3)
 * against a real IP Office or the simulator:
 *
 *     devlink3 sim &                      # an IP Office on 127.0.0.1:50797
 *     DEVLINK3_USER=devlink3 ./legacy_app 127.0.0.1 devlink3
 *
 * The old DLL logged in with the system password; DevLink3 needs a service user,
 * which this untouched code passes as NULL (reserved1): the library then takes it
 * from the DEVLINK3_USER environment variable.
 */
#ifdef _WIN32
#include <windows.h>
#else
/* The few Win32 calls the original uses, on POSIX threads, so that the code below stays
 * as it was written. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
typedef struct win32_event {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int signalled;
} *HANDLE;
typedef int BOOL;
#define TRUE 1
#define FALSE 0
static HANDLE CreateEvent(void *security, BOOL manual_reset, BOOL initial, const char *name)
{
    HANDLE h = (HANDLE)calloc(1, sizeof *h);
    (void)security;
    (void)manual_reset;
    (void)name;
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->cond, NULL);
    h->signalled = initial;
    return h;
}
static void SetEvent(HANDLE h)
{
    pthread_mutex_lock(&h->lock);
    h->signalled = 1;
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->lock);
}
static void WaitForSingleObject(HANDLE h, long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&h->lock);
    while (!h->signalled && pthread_cond_timedwait(&h->cond, &h->lock, &until) != ETIMEDOUT) {
    }
    h->signalled = 0;
    pthread_mutex_unlock(&h->lock);
}
static void CloseHandle(HANDLE h)
{
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->lock);
    free(h);
}
#endif

#include <stdio.h>
#include "devlink.h"

HANDLE hEvent;
DWORD dwCommsEvent;
BOOL bStarting;

void CALLBACK HandleCommsEvent( DWORD pbxh, DWORD comms_state, DWORD parm1 )
{
    (void)pbxh;
    switch( comms_state )
    {
    case DEVLINK_COMMS_OPERATIONAL:
    case DEVLINK_COMMS_NORESPONSE:
    case DEVLINK_COMMS_REJECTED:
        if( bStarting )
        {
            dwCommsEvent = comms_state;
            SetEvent( hEvent );
        }
        else
        {
            printf( "Link state changed to %lu\n", (unsigned long)comms_state );
        }
        break;
    case DEVLINK_COMMS_MISSEDPACKETS:
        // Indicates that the system is under heavy load. IP Office always
        // prioritises data routing and call handling above CTI events.
        // parm1 contains the number of packets missed.
        printf( "Missed %lu events\n", (unsigned long)parm1 );
        break;
    }
}

void CALLBACK HandleCallDelta2( DWORD pbxh, TEXT * info )
{
    (void)pbxh;
    printf( "%s\n", info );
    fflush( stdout );
}

int main( int argc, char * argv[] )
{
    TEXT * address = argc > 1 ? argv[1] : "127.0.0.1";
    TEXT * password = argc > 2 ? argv[2] : "devlink3";

    hEvent = CreateEvent( NULL, FALSE, FALSE, NULL );
    printf( "Connecting to %s\n", address );
    DLOpen( 0, address, password, NULL, NULL, HandleCommsEvent );
    dwCommsEvent = DEVLINK_COMMS_NORESPONSE;
    bStarting = TRUE;
    WaitForSingleObject( hEvent, 10000 ); // 10 seconds
    bStarting = FALSE;
    if( dwCommsEvent == DEVLINK_COMMS_OPERATIONAL )
    {
        printf( "Connected OK\n" );
        DLRegisterType2CallDeltas( 0, HandleCallDelta2 );
        printf( "Printing call records; press ENTER to stop\n" );
        fflush( stdout );
        getchar();
    }
    else
    {
        printf( "Error connecting to IP Office\n" );
    }
    DLClose( 0 );
    CloseHandle( hEvent );
    return 0;
}
