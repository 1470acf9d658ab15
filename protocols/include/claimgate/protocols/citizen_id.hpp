// File: citizen_id.hpp
// Taiwan citizen identifiers (contracts §3): national ID (A123456789), new-format resident
// certificate numbers (A800000014: letter, 8 or 9, seven digits, check digit) and old-format
// resident certificate numbers (AB12345678: two letters, eight digits). All share the
// letter-weighted mod-10 checksum. Validation happens at the SDK and again at the gateway.
//
//   auto id = CitizenId::parse("a123456789");   // ok, normalised to "A123456789"
//   id->masked();                               // "A12*****89" - the only form fit for logs
#pragma once

#include <claimgate/protocols/status.hpp>

#include <string>
#include <string_view>

namespace claimgate::protocols {

enum class CitizenIdKind { national, resident_new, resident_old };

class CitizenId {
public:
    /// Upper-cases, checks shape and checksum. Errors carry ErrorCode::invalid_citizen_id and
    /// a message naming what is wrong (never echoing the input, which may be a real ID).
    static Result<CitizenId> parse(std::string_view text);

    [[nodiscard]] const std::string& normalised() const noexcept { return normalised_; }
    [[nodiscard]] CitizenIdKind kind() const noexcept { return kind_; }
    [[nodiscard]] std::string masked() const { return maskCitizenId(normalised_); }

    /// "A12*****89": the first three and last two characters survive, whatever the input
    /// (shorter inputs are masked entirely), so logs never carry a whole ID.
    static std::string maskCitizenId(std::string_view text);

private:
    CitizenId(std::string normalised, CitizenIdKind kind)
        : normalised_(std::move(normalised)), kind_(kind) {}

    std::string normalised_;
    CitizenIdKind kind_;
};

/// The 12-digit National Health Insurance card number (the beneficiary proof at ATMs and kiosks).
[[nodiscard]] Status validateNhiCardNumber(std::string_view text);

/// Idempotency-Key header: 1..64 characters of [A-Za-z0-9._:-] (contracts §5).
[[nodiscard]] bool isValidIdempotencyKey(std::string_view key) noexcept;

}  // namespace claimgate::protocols
