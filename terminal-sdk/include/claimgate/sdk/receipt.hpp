// File: receipt.hpp
// A paid claim's signed receipt (C++ face of cg_receipt) and the offline verifier.
#pragma once

#include <claimgate/sdk/outcome.hpp>
#include <claimgate/sdk_export.h>

#include <cstdint>
#include <string>

namespace claimgate::sdk {

struct Receipt {
    /// Compact printable payload for a QR code: "CGR1|claim|program|amount|channel|terminal|
    /// paid_at|citizen_mask|key_id|signature" (docs/sdk-guide.md, contracts §5).
    std::string qr_text;
    std::string claim_id;
    std::string program;
    std::int64_t amount = 0;
    std::string channel;
    std::string terminal_id;
    std::string paid_at;       ///< RFC 3339 UTC, the gateway's time of payment
    std::string citizen_mask;  ///< "A12*****89"
    std::string key_id;        ///< which receipt key signed it (16 hex digits)
};

/// ok: genuine; refused: signature or key does not match (forged or altered); invalid_input:
/// not a receipt; config_error: the certificate file is unusable. `why` says what failed.
CG_API Status verifyReceipt(const std::string& receipt_cert_pem_path, const std::string& qr_text,
                            std::string& why);

}  // namespace claimgate::sdk
