// File: troad_failure.cpp
#include <claimgate/troad/troad_failure.hpp>

#include <array>
#include <utility>

namespace claimgate::troad {

namespace {

constexpr std::array<std::pair<TroadFailure, std::string_view>, 7> kNames = {{
    {TroadFailure::none, "none"},
    {TroadFailure::transport, "transport"},
    {TroadFailure::xroad_error, "xroad_error"},
    {TroadFailure::platform_error, "platform_error"},
    {TroadFailure::bad_signature, "bad_signature"},
    {TroadFailure::malformed_reply, "malformed_reply"},
    {TroadFailure::bad_request, "bad_request"},
}};

}  // namespace

std::string_view troadFailureName(TroadFailure failure) noexcept {
    for (const auto& [value, name] : kNames) {
        if (value == failure) {
            return name;
        }
    }
    return "transport";
}

TroadFailure troadFailureOf(const protocols::Status& status) {
    if (status.ok()) {
        return TroadFailure::none;
    }
    const auto& detail = status.detail();
    if (detail.is_object()) {
        if (auto it = detail.find("troad_failure"); it != detail.end() && it->is_string()) {
            for (const auto& [value, name] : kNames) {
                if (name == it->get_ref<const std::string&>()) {
                    return value;
                }
            }
        }
    }
    return TroadFailure::transport;
}

}  // namespace claimgate::troad
