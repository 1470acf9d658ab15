// File: troad_link_options.hpp
// The flags `pull` and `push` share (--data-dir, --pki-dir, --troad, --ledger) and small option
// helpers for the recon subcommands that talk to T-Road.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace claimgate::recon {

/// `--name VALUE` at argv[i]: stores VALUE, advances i, true. False if argv[i] is another flag
/// or the value is missing.
inline bool takeFlagValue(int& i, int argc, char** argv, const char* name, std::string& out) {
    if (std::strcmp(argv[i], name) != 0 || i + 1 >= argc) return false;
    out = argv[++i];
    return true;
}

/// A decimal count in [min, max].
template <typename T>
bool parseCount(std::string_view text, T min, T max, T& out) {
    T value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
        return false;
    }
    out = value;
    return true;
}

/// Every T-Road exchange of `pull` and `push` is recorded here (hash-chained, contracts §8);
/// `claimgate-recon verify` checks it beside the ledger's chain.
inline std::string transferLogPath(const std::string& data_dir) {
    return data_dir + "/transfer.log";
}

struct TroadLinkOptions {
    std::string data_dir;
    std::string pki_dir;
    std::string troad_url;
    std::string ledger = "sqlite";

    bool take(int& i, int argc, char** argv) {
        return takeFlagValue(i, argc, argv, "--data-dir", data_dir) ||
               takeFlagValue(i, argc, argv, "--pki-dir", pki_dir) ||
               takeFlagValue(i, argc, argv, "--troad", troad_url) ||
               takeFlagValue(i, argc, argv, "--ledger", ledger);
    }
    [[nodiscard]] bool complete() const {
        return !data_dir.empty() && !pki_dir.empty() && !troad_url.empty();
    }
};

}  // namespace claimgate::recon
