// File: advice_event.hpp
// What the SDK tells the device when an advice reached its end at the gateway (C++ face of
// cg_event), so the device's own journal can record it.
#pragma once

#include <claimgate/sdk/outcome.hpp>

#include <string>

namespace claimgate::sdk {

enum class AdviceEventKind : int {
    commit_delivered = 1,  ///< a commit advice was acknowledged (status ok) or refused
    void_delivered = 2,    ///< a void advice was acknowledged or refused
    reserve_reversed = 3,  ///< an unanswered reserve's hold was released (or never existed)
};

struct AdviceEvent {
    AdviceEventKind kind = AdviceEventKind::commit_delivered;
    Status status = Status::ok;  ///< ok (acknowledged) or refused (ended for good)
    int http_status = 0;
    std::string terminal_id;
    std::string claim_id;
    std::string idempotency_key;
    std::string code;            ///< gateway error code when refused
    bool in_background = false;  ///< delivered by the sender (not in the caller's own call)
};

}  // namespace claimgate::sdk
