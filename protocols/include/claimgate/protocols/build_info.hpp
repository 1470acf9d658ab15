// File: build_info.hpp
// What was built: the project version and the git revision it was configured from. Every
// binary prints it for `--version`, and the gateway exports it as `claimgate_build_info`.
#pragma once

#include <string>
#include <string_view>

namespace claimgate::protocols {

/// The project version from CMakeLists.txt, e.g. "0.1.0".
[[nodiscard]] std::string_view buildVersion() noexcept;

/// The short git revision at configure time ("unknown" outside a git checkout); "-dirty" is
/// appended when the tree had uncommitted changes.
[[nodiscard]] std::string_view buildRevision() noexcept;

/// The `--version` line of a binary: "claimgate-gateway 0.1.0 (git 1a2b3c4d5e6f)".
[[nodiscard]] std::string versionLine(std::string_view program);

}  // namespace claimgate::protocols
