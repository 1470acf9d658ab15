// File: private_file.hpp
// Secrets on disk (the pepper, private keys) must be readable by their owner only: a key any
// local account can read is a key the whole machine holds. Checked before a secret is loaded.
#pragma once

#include <claimgate/protocols/status.hpp>

#include <string>
#include <string_view>

namespace claimgate::protocols {

/// ok when `path` is a regular file without any group or other permission bits; otherwise an
/// `internal` Status whose message names `what`, the file, its mode and the fix (chmod 600).
[[nodiscard]] Status requireOwnerOnlyFile(const std::string& path, std::string_view what);

}  // namespace claimgate::protocols
