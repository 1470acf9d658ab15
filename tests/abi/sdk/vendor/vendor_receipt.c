/* vendor_receipt.c - a vendor's acceptance program for the claimgate SDK (C99), built by the
 * ABI test against the INSTALLED SDK with pkg-config alone and run without LD_LIBRARY_PATH:
 *
 *   cc vendor_receipt.c $(pkg-config --cflags --libs claimgate-sdk) -o vendor_receipt
 *   ./vendor_receipt URL PKI_DIR JOURNAL PROGRAM CITIZEN NHI
 *
 * Checks, in order: a mismatched key and a certificate of an unknown CA are CG_CONFIG_ERROR at
 * open; a paid claim's receipt verifies offline (CG_OK), one altered digit is CG_REFUSED and
 * garbage CG_INVALID_INPUT. Prints "vendor: all checks passed" and exits 0, else exits 1. */
#include <claimgate/sdk.h>

#include <stdio.h>
#include <string.h>

static int failures = 0;

static void expect(const char* what, cg_status got, cg_status want) {
    if (got != want) {
        ++failures;
        printf("FAIL %s: %s, expected %s (%s)\n", what, cg_status_name(got), cg_status_name(want),
               cg_last_error());
    } else {
        printf("ok   %s: %s\n", what, cg_status_name(got));
    }
}

static cg_status openWith(const char* url, const char* ca, const char* cert, const char* key,
                          const char* journal, cg_client** client) {
    cg_config config;
    memset(&config, 0, sizeof config);
    config.gateway_url = url;
    config.ca_file = ca;
    config.cert_file = cert;
    config.key_file = key;
    config.journal_path = journal;
    config.timeout_ms = 5000;
    return cg_client_open(&config, client);
}

int main(int argc, char** argv) {
    char ca[512], cert[512], key[512], other_key[512], stranger[512], stranger_key[512];
    char receipt_pem[512], altered[sizeof(((cg_receipt*)0)->qr_text)];
    cg_client* client = NULL;
    cg_result held, paid;
    cg_receipt receipt;
    char* digit;
    if (argc != 7) {
        printf("usage: vendor_receipt URL PKI_DIR JOURNAL PROGRAM CITIZEN NHI\n");
        return 2;
    }
    snprintf(ca, sizeof ca, "%s/ca.pem", argv[2]);
    snprintf(cert, sizeof cert, "%s/terminals/atm-0001.pem", argv[2]);
    snprintf(key, sizeof key, "%s/terminals/atm-0001.key", argv[2]);
    snprintf(other_key, sizeof other_key, "%s/terminals/atm-0002.key", argv[2]);
    snprintf(stranger, sizeof stranger, "%s/untrusted/client.pem", argv[2]);
    snprintf(stranger_key, sizeof stranger_key, "%s/untrusted/client.key", argv[2]);
    snprintf(receipt_pem, sizeof receipt_pem, "%s/receipt.pem", argv[2]);

    expect("open with a mismatched key", openWith(argv[1], ca, cert, other_key, argv[3], &client),
           CG_CONFIG_ERROR);
    expect("open with a certificate of an unknown CA",
           openWith(argv[1], ca, stranger, stranger_key, argv[3], &client), CG_CONFIG_ERROR);

    expect("open", openWith(argv[1], ca, cert, key, argv[3], &client), CG_OK);
    if (client == NULL) {
        return 1;
    }
    expect("reserve", cg_reserve(client, argv[4], argv[5], argv[6], NULL, 0, &held), CG_OK);
    expect("commit", cg_commit(client, held.claim_id, held.amount, "vendor-0001", &paid), CG_OK);
    expect("get receipt", cg_get_receipt(client, held.claim_id, &receipt), CG_OK);
    printf("receipt: %s\n", receipt.qr_text);
    expect("verify genuine", cg_verify_receipt(receipt_pem, receipt.qr_text), CG_OK);

    /* One altered digit: the first digit of the amount field. */
    memcpy(altered, receipt.qr_text, sizeof altered);
    digit = strstr(altered, "|6000|");
    if (digit == NULL) {
        ++failures;
        printf("FAIL the receipt does not carry the amount 6000\n");
    } else {
        digit[1] = '7';
        expect("verify altered digit", cg_verify_receipt(receipt_pem, altered), CG_REFUSED);
    }
    expect("verify garbage", cg_verify_receipt(receipt_pem, "CGR1|not|a|receipt"),
           CG_INVALID_INPUT);
    cg_client_close(client);
    if (failures == 0) {
        printf("vendor: all checks passed\n");
    }
    return failures == 0 ? 0 : 1;
}
