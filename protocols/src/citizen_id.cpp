#include <claimgate/protocols/citizen_id.hpp>

#include <array>
#include <cctype>

namespace claimgate::protocols {
namespace {

constexpr std::size_t kCitizenIdLength = 10;
constexpr std::size_t kNhiCardNumberLength = 12;
constexpr std::size_t kIdempotencyKeyLengthMax = 64;

// Household-registration area letters map to two-digit codes; the order is historical (I, O,
// W..Z were added later), hence the irregular table.
constexpr std::array<int, 26> kLetterCodes = {
    10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21,  // A..M
    22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33,  // N..Z
};

bool isUpperLetter(char c) { return c >= 'A' && c <= 'Z'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
int letterCode(char c) { return kLetterCodes[static_cast<std::size_t>(c - 'A')]; }

// Weighted sum: letter tens digit x1, letter units x9, positions 1..8 x8..x1, check digit x1.
// `second_value` is the value of position 1 (a digit, or a letter's units digit for the old
// resident format).
bool checksumHolds(const std::string& id, int second_value) {
    const int code = letterCode(id[0]);
    int sum = (code / 10) + (code % 10) * 9 + second_value * 8;
    for (std::size_t position = 2; position <= 8; ++position) {
        sum += (id[position] - '0') * static_cast<int>(9 - position);
    }
    sum += id[9] - '0';
    return sum % 10 == 0;
}

}  // namespace

Result<CitizenId> CitizenId::parse(std::string_view text) {
    if (text.size() != kCitizenIdLength) {
        return Status(ErrorCode::invalid_citizen_id, "citizen id must be 10 characters");
    }
    std::string id(text);
    for (char& c : id) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (!isUpperLetter(id[0])) {
        return Status(ErrorCode::invalid_citizen_id, "citizen id must start with a letter");
    }
    for (std::size_t position = 2; position < kCitizenIdLength; ++position) {
        if (!isDigit(id[position])) {
            return Status(ErrorCode::invalid_citizen_id, "citizen id must end with eight digits");
        }
    }
    CitizenIdKind kind;
    int second_value = 0;
    if (id[1] == '1' || id[1] == '2') {
        kind = CitizenIdKind::national;
        second_value = id[1] - '0';
    } else if (id[1] == '8' || id[1] == '9') {
        kind = CitizenIdKind::resident_new;
        second_value = id[1] - '0';
    } else if (id[1] >= 'A' && id[1] <= 'D') {
        // Old resident certificates: the second letter (A-D) counts by its code's units digit.
        kind = CitizenIdKind::resident_old;
        second_value = letterCode(id[1]) % 10;
    } else {
        return Status(ErrorCode::invalid_citizen_id, "second character must be 1, 2, 8, 9 or A-D");
    }
    if (!checksumHolds(id, second_value)) {
        return Status(ErrorCode::invalid_citizen_id, "citizen id checksum does not match");
    }
    return CitizenId(std::move(id), kind);
}

std::string CitizenId::maskCitizenId(std::string_view text) {
    if (text.size() < 6) {
        return std::string(text.size(), '*');
    }
    std::string masked(text.substr(0, 3));
    masked.append(text.size() - 5, '*');
    masked.append(text.substr(text.size() - 2));
    return masked;
}

Status validateNhiCardNumber(std::string_view text) {
    if (text.size() != kNhiCardNumberLength) {
        return Status(ErrorCode::bad_field, "nhi_card_no must be 12 digits",
                      {{"field", "nhi_card_no"}});
    }
    for (char c : text) {
        if (!isDigit(c)) {
            return Status(ErrorCode::bad_field, "nhi_card_no must be 12 digits",
                          {{"field", "nhi_card_no"}});
        }
    }
    return Status::okStatus();
}

bool isValidIdempotencyKey(std::string_view key) noexcept {
    if (key.empty() || key.size() > kIdempotencyKeyLengthMax) {
        return false;
    }
    for (char c : key) {
        const bool allowed = isUpperLetter(c) || (c >= 'a' && c <= 'z') || isDigit(c) || c == '.' ||
                             c == '_' || c == ':' || c == '-';
        if (!allowed) {
            return false;
        }
    }
    return true;
}

}  // namespace claimgate::protocols
