/* minimal_atm.c - the smallest complete ATM integration of the claimgate SDK (C99).
 *
 *   cc minimal_atm.c $(pkg-config --cflags --libs claimgate-sdk) -o minimal_atm
 *   ./minimal_atm --gateway https://localhost:8443 --pki-dir pki --journal atm.journal \
 *                 --program CASH2023 --citizen A123456789 --nhi 000012345678
 *
 * One session: check, reserve, dispense (simulated), commit; void if the dispenser fails. */
#include <claimgate/sdk.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void) {
    printf(
        "usage: minimal_atm --gateway URL --pki-dir DIR --journal PATH --program ID\n"
        "                   --citizen ID [--nhi 12DIGITS] [--proxy ID] [--fail-dispense]\n"
        "claimgate SDK %s (ABI %u)\n",
        cg_version(), (unsigned)cg_abi_version());
}

static int report(const char* step, cg_status status, const cg_result* r) {
    printf("%-8s %-17s http=%d code=%s claim=%s status=%s amount=%lld %s\n", step,
           cg_status_name(status), (int)r->http_status, r->code, r->claim_id, r->claim_status,
           (long long)r->amount, r->message);
    return status == CG_OK || status == CG_QUEUED;
}

int main(int argc, char** argv) {
    const char* gateway = NULL;
    const char* pki = NULL;
    const char* journal = NULL;
    const char* program = NULL;
    const char* citizen = NULL;
    const char* nhi = NULL;
    const char* proxy = NULL;
    int fail_dispense = 0;
    char ca[512], cert[512], key[512];
    cg_config config;
    cg_client* client = NULL;
    cg_result result;
    cg_status status;
    int i;

    for (i = 1; i < argc; ++i) {
        const char* value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage();
            return 0;
        } else if (strcmp(argv[i], "--fail-dispense") == 0) {
            fail_dispense = 1;
            continue;
        } else if (value == NULL) {
            usage();
            return 2;
        } else if (strcmp(argv[i], "--gateway") == 0) {
            gateway = value;
        } else if (strcmp(argv[i], "--pki-dir") == 0) {
            pki = value;
        } else if (strcmp(argv[i], "--journal") == 0) {
            journal = value;
        } else if (strcmp(argv[i], "--program") == 0) {
            program = value;
        } else if (strcmp(argv[i], "--citizen") == 0) {
            citizen = value;
        } else if (strcmp(argv[i], "--nhi") == 0) {
            nhi = value;
        } else if (strcmp(argv[i], "--proxy") == 0) {
            proxy = value;
        } else {
            usage();
            return 2;
        }
        ++i;
    }
    if (gateway == NULL || pki == NULL || journal == NULL || program == NULL || citizen == NULL) {
        usage();
        return 2;
    }
    snprintf(ca, sizeof ca, "%s/ca.pem", pki);
    snprintf(cert, sizeof cert, "%s/terminals/atm-0001.pem", pki);
    snprintf(key, sizeof key, "%s/terminals/atm-0001.key", pki);

    memset(&config, 0, sizeof config);
    config.gateway_url = gateway;
    config.ca_file = ca;
    config.cert_file = cert;
    config.key_file = key;
    config.journal_path = journal;
    config.timeout_ms = 5000;
    status = cg_client_open(&config, &client);
    if (status != CG_OK) {
        fprintf(stderr, "open: %s: %s\n", cg_status_name(status), cg_last_error());
        return 1;
    }

    status = cg_check(client, program, citizen, nhi, proxy, &result);
    if (!report("check", status, &result) || !result.eligible) {
        cg_client_close(client);
        return 1;
    }
    status = cg_reserve(client, program, citizen, nhi, proxy, result.amount, &result);
    if (!report("reserve", status, &result)) {
        /* CG_UNAVAILABLE or CG_REFUSED: dispense nothing. */
        cg_client_close(client);
        return 1;
    }
    if (fail_dispense) {
        char claim_id[64];
        memcpy(claim_id, result.claim_id, sizeof claim_id);
        status = cg_void(client, claim_id, "dispense_failed", &result);
        report("void", status, &result);
    } else {
        char claim_id[64];
        int64_t amount = result.amount;
        memcpy(claim_id, result.claim_id, sizeof claim_id);
        /* ... the cash dispenser hands over `amount` here ... */
        status = cg_commit(client, claim_id, amount, "atm-0001-0001", &result);
        report("commit", status, &result);
    }
    /* Give queued advices a moment before shutting down; they survive in the journal anyway. */
    if (cg_flush(client, 3000) != CG_OK) {
        printf("pending  %lld advices stay in the journal for the next start\n",
               (long long)cg_pending_advices(client));
    }
    cg_client_close(client);
    return 0;
}
