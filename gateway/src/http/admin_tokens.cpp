#include "http/admin_tokens.hpp"

#include <claimgate/gateway/limits.hpp>

#include <openssl/crypto.h>

#include <fstream>

namespace claimgate::gateway {
namespace {

using protocols::ErrorCode;
using protocols::Status;

constexpr std::size_t kAdminTokenLengthMin = 32;

}  // namespace

protocols::Result<AdminTokens> AdminTokens::fromFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Status(ErrorCode::bad_field, "cannot read admin token file " + path);
    AdminTokens tokens;
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (line.empty() || line.front() == '#') continue;
        const auto colon = line.find(':');
        if (colon == 0 || colon == std::string::npos ||
            line.size() - colon - 1 < kAdminTokenLengthMin) {
            return Status(ErrorCode::bad_field,
                          path + ":" + std::to_string(number) +
                              ": expected person:token with a token of 32+ characters");
        }
        if (tokens.people_.size() == kAdminTokensMax) {
            return Status(ErrorCode::bad_field, path + ": more than 256 admin tokens");
        }
        tokens.people_.emplace_back(line.substr(0, colon), line.substr(colon + 1));
    }
    if (tokens.people_.empty()) return Status(ErrorCode::bad_field, path + ": no admin tokens");
    return tokens;
}

std::optional<std::string> AdminTokens::authenticate(
    const std::optional<std::string>& authorization) const {
    static const std::string kBearer = "Bearer ";
    if (!authorization || authorization->rfind(kBearer, 0) != 0) return std::nullopt;
    const std::string presented = authorization->substr(kBearer.size());
    std::optional<std::string> person;
    for (const auto& [name, token] : people_) {
        // Constant time per candidate, and every candidate is compared.
        if (token.size() == presented.size() &&
            CRYPTO_memcmp(token.data(), presented.data(), token.size()) == 0) {
            person = name;
        }
    }
    return person;
}

}  // namespace claimgate::gateway
