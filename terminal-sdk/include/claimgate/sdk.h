/* File: sdk.h
 * claimgate terminal SDK, C ABI (contracts §7). C99, no dependency beyond <stdint.h>/<stddef.h>.
 *
 * One cg_client serves one terminal (its certificate is its identity; the channel is the OU of
 * the certificate). A cash transaction is a short session on that client:
 *
 *   cg_check    (optional)  may this citizen collect here, now?
 *   cg_reserve              hold the payout at the gateway; nobody else can pay this citizen
 *   ... hand over the cash, or fail to ...
 *   cg_commit               cash left the device (advice, journalled before it is sent)
 *   cg_void                 cash did not leave (advice, journalled before it is sent)
 *
 * Status meanings (values are fixed forever):
 *   CG_OK            done; for commit/void: acknowledged by the gateway
 *   CG_QUEUED        commit/void advice is in the journal and will be delivered; treat as done
 *   CG_REFUSED       the gateway said no; out->code holds its error code (e.g. "already_claimed")
 *   CG_INVALID_INPUT refused locally before sending; out->code names why ("invalid_citizen_id")
 *   CG_UNAVAILABLE   gateway unreachable (check/reserve): pay nothing
 *   CG_CONFIG_ERROR  certificate, key, CA or journal unusable: at cg_client_open, or a TLS
 *                    trust failure at any later call (never retried; fix the files)
 *   CG_INTERNAL      a bug or a local I/O failure; cg_last_error() says more
 *
 * Deadline: cg_config.timeout_ms bounds each whole call - waiting for another call on the same
 * client, connecting, the TLS handshake, retries and failover to the next gateway URL. A
 * commit or void is journalled first in any case, so it may wait for a call in progress.
 *
 * Memory: cg_client_open allocates the client, cg_client_close frees it. Results are written
 * into caller-owned cg_result structs; strings in them are always NUL-terminated.
 *
 * ABI: version 1 since 0.1.0; 0.2.0 added calls and gave meaning to reserved words of cg_result
 * without changing any size or offset (see docs/sdk-guide.md, "ABI history"). */
#ifndef CLAIMGATE_SDK_H
#define CLAIMGATE_SDK_H

#include <stddef.h>
#include <stdint.h>

#include "claimgate/sdk_export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bumped when a call or struct layout changes incompatibly (never for additions at the end of
 *  reserved space). Compare with CG_ABI_VERSION at run time. */
#define CG_ABI_VERSION 1u

typedef struct cg_client cg_client;

typedef enum cg_status {
    CG_OK = 0,
    CG_QUEUED = 1,
    CG_REFUSED = 2,
    CG_INVALID_INPUT = 3,
    CG_UNAVAILABLE = 4,
    CG_CONFIG_ERROR = 5,
    CG_INTERNAL = 99
} cg_status;

typedef struct cg_config {
    const char* gateway_url;  /* "https://host:port"; several separated by ',' tried in order */
    const char* ca_file;      /* PEM CA that issued the gateway's and this terminal's certs */
    const char* cert_file;    /* terminal certificate: CN=terminal id, O=operator, OU=channel */
    const char* key_file;     /* terminal private key (PEM) */
    const char* journal_path; /* SQLite journal on durable storage; created when missing */
    uint32_t timeout_ms;      /* bounds each whole call, retries included; 0 = 5000 */
    uint32_t reserved[8];     /* must be zero */
} cg_config;

typedef struct cg_result {
    cg_status status;      /* same as the call's return value */
    int32_t http_status;   /* 0 when no HTTP answer was received */
    char code[48];         /* gateway or local error code, "" on success */
    char claim_id[64];     /* "c_..." after reserve/commit/void */
    char claim_code[32];   /* 10-digit code for kiosk slips (reserve) */
    char claim_status[16]; /* "held", "paid", "voided", or for check the blocking claim's */
    int64_t amount;        /* payout amount (check, reserve, commit) */
    int32_t eligible;      /* check: 1 eligible, 0 not */
    char message[256];     /* human-readable, never contains a full citizen ID */
    /* Since 0.2.0, in what were reserved words (zero from older libraries): */
    uint32_t hold_expires_at; /* reserve: Unix seconds when the gateway releases the hold */
    uint32_t claimed_at;      /* check, already_claimed: Unix seconds of the blocking claim */
    char claimed_channel[20]; /* ... and its channel ("atm", "kiosk", ...), "" if not told */
    uint32_t reserved[1];
} cg_result;

/* A paid claim's signed receipt. qr_text is printable ASCII to print as a QR code (or text);
 * anyone holding the gateway's receipt certificate can check it offline (cg_verify_receipt). */
typedef struct cg_receipt {
    char qr_text[512]; /* "CGR1|claim|program|amount|channel|terminal|paid_at|mask|key|sig" */
    char claim_id[64];
    char program[36];
    int64_t amount;
    char channel[20];
    char terminal_id[68];
    char paid_at[32];      /* RFC 3339 UTC, the gateway's time of payment */
    char citizen_mask[16]; /* "A12*****89" */
    char key_id[20];       /* the receipt key that signed it */
    uint32_t reserved[8];
} cg_receipt;

/** Opens a client: reads the certificate (terminal id, operator, channel), checks key and CA,
 *  opens or creates the journal, replays pending advices and starts the background sender.
 *  Returns CG_CONFIG_ERROR (with cg_last_error) for unusable files. Thread-safe. */
CG_API cg_status cg_client_open(const cg_config* config, cg_client** out_client);

/** Stops the sender (pending advices stay in the journal for the next open) and frees the
 *  client; waits for at most one exchange in flight (bounded by timeout_ms). NULL is ignored.
 *  Must not run concurrently with any other call on the same client. */
CG_API void cg_client_close(cg_client* client);

/** Read-only eligibility check. nhi_card_no and proxy_id may be NULL. out->eligible tells the
 *  answer (status CG_OK either way). Safe to call from several threads on one client (calls on
 *  one client are serialised). */
CG_API cg_status cg_check(cg_client* c, const char* program, const char* citizen_id,
                          const char* nhi_card_no, const char* proxy_id, cg_result* out);

/** Holds the payout. On CG_OK out->claim_id (and out->claim_code) identify the hold; the cash
 *  may now be handed over. On CG_UNAVAILABLE pay nothing: if the gateway created the hold
 *  anyway, the SDK voids it in the background. amount 0 = the roster's amount. Serialised per
 *  client, thread-safe. */
CG_API cg_status cg_reserve(cg_client* c, const char* program, const char* citizen_id,
                            const char* nhi_card_no, const char* proxy_id, int64_t amount,
                            cg_result* out);

/** Cash was handed over for claim_id (a "c_..." id or a 10-digit kiosk claim code). The advice
 *  is journalled (fsynced) before it is sent: CG_OK = acknowledged, CG_QUEUED = journalled and
 *  delivered later, CG_REFUSED = the gateway rejected it (an exception for reconciliation).
 *  terminal_ref is the device's own transaction reference (1..64 chars). Thread-safe. */
CG_API cg_status cg_commit(cg_client* c, const char* claim_id, int64_t amount,
                           const char* terminal_ref, cg_result* out);

/** Cash was not handed over: releases the hold. Same journal guarantees as cg_commit. reason
 *  may be NULL ("not_dispensed"). Thread-safe. */
CG_API cg_status cg_void(cg_client* c, const char* claim_id, const char* reason, cg_result* out);

/** Current state of a claim (claim id or kiosk claim code) at the gateway: CG_OK with
 *  claim_id, claim_code, claim_status ("held", "in_doubt", "paid", "voided") and amount. A POS
 *  looks a slip up before paying it. Read-only: no journal, no state change. Thread-safe. */
CG_API cg_status cg_lookup(cg_client* c, const char* claim_id, cg_result* out);

/** The signed receipt of a paid claim (claim id or claim code): kept from the commit's answer,
 *  else asked of the gateway. CG_OK fills *out; CG_REFUSED with code "not_paid" when the claim
 *  is not paid; CG_UNAVAILABLE / CG_CONFIG_ERROR as for cg_lookup. Thread-safe. */
CG_API cg_status cg_get_receipt(cg_client* c, const char* claim_id, cg_receipt* out);

/** Checks a receipt's qr_text offline against the gateway's receipt certificate (PEM):
 *  CG_OK genuine, CG_REFUSED forged or altered (signature or key does not match),
 *  CG_INVALID_INPUT not a receipt, CG_CONFIG_ERROR certificate unreadable. cg_last_error()
 *  says why. Needs no client and no network. Thread-safe. */
CG_API cg_status cg_verify_receipt(const char* receipt_cert_pem_path, const char* qr_text);

/** Advices (and reserve reversals) in the journal not yet acknowledged; -1 for a NULL client.
 *  Thread-safe. */
CG_API int64_t cg_pending_advices(cg_client* c);

/** Wakes the sender and waits until nothing is pending (CG_OK) or timeout_ms passed
 *  (CG_UNAVAILABLE). After CG_OK the event handler has been called for every advice delivered
 *  meanwhile. Thread-safe. */
CG_API cg_status cg_flush(cg_client* c, uint32_t timeout_ms);

/** "CG_OK", "CG_QUEUED", ...; "CG_UNKNOWN" for other values. Static storage, thread-safe. */
CG_API const char* cg_status_name(cg_status s);

/** Detail of the last failure on the calling thread ("" if none). Thread-local; valid until the
 *  next SDK call on this thread. */
CG_API const char* cg_last_error(void);

/** Receives the SDK's log lines at or above the level set (default CG_LOG_WARNING), one line
 *  each, starting "debug: ", "info: " or "warning: ", from any SDK thread. Default (and after
 *  passing NULL): stderr, prefixed "claimgate-sdk: ". Process-wide; the handler must be
 *  thread-safe and must not call the SDK. */
typedef void (*cg_log_fn)(void* user, const char* line);
CG_API void cg_set_log_handler(cg_log_fn handler, void* user);

typedef enum cg_log_level { CG_LOG_DEBUG = 0, CG_LOG_INFO = 1, CG_LOG_WARNING = 2 } cg_log_level;
/** Lowest level passed to the log handler. Process-wide, thread-safe. */
CG_API void cg_set_log_level(cg_log_level level);

/** An advice reached its end at the gateway, so the device's own journal can record it. */
typedef enum cg_event_kind {
    CG_EVENT_COMMIT_DELIVERED = 1, /* status CG_OK acknowledged, CG_REFUSED refused for good */
    CG_EVENT_VOID_DELIVERED = 2,
    CG_EVENT_RESERVE_REVERSED = 3 /* an unanswered reserve's hold was released */
} cg_event_kind;
typedef struct cg_event {
    cg_event_kind kind;
    cg_status status;
    int32_t http_status;
    int32_t in_background; /* 1: delivered later by the sender, 0: within the call */
    char terminal_id[68];
    char claim_id[64];
    char idempotency_key[68];
    char code[48]; /* gateway error code when refused */
    uint32_t reserved[8];
} cg_event;
/** Receives every cg_event, from the caller's thread or the sender's. Set it before
 *  cg_client_open to see advices replayed from an earlier run. Process-wide; NULL: none. The
 *  handler must be thread-safe, quick, and must not call the SDK. */
typedef void (*cg_event_fn)(void* user, const cg_event* event);
CG_API void cg_set_event_handler(cg_event_fn handler, void* user);

/** CG_ABI_VERSION of the library actually loaded. Thread-safe. */
CG_API uint32_t cg_abi_version(void);

/** The SDK version string, e.g. "0.1.0". Static storage, thread-safe. */
CG_API const char* cg_version(void);

/** The terminal id (certificate CN), operator (O) and channel (OU) this client acts as. Static
 *  for the client's lifetime; NULL for a NULL client. Thread-safe. */
CG_API const char* cg_client_terminal_id(const cg_client* c);
CG_API const char* cg_client_operator(const cg_client* c);
CG_API const char* cg_client_channel(const cg_client* c);

#ifdef __cplusplus
}
#endif

#endif /* CLAIMGATE_SDK_H */
