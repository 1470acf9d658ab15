// File: platform_link.hpp
// One call that wires what `claimgate-recon pull|push` need from their flags: the HTTPS
// transport (--troad https://HOST:PORT, --pki-dir), the platform client with its keys, and the
// transfer log in the data dir.
//
//   auto client = openPlatformClient(pki_dir, troad_url, data_dir + "/transfer.log");
//   if (!client) { print(client.status().message()); return 1; }
//   auto programs = (*client)->listPrograms();
#pragma once

#include <claimgate/protocols/status.hpp>
#include <claimgate/troad/platform_client.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace claimgate::troad {

/// Errors: bad_field (URL), internal (a certificate, key or the transfer log failed to load or
/// verify; the message names the file).
[[nodiscard]] protocols::Result<std::unique_ptr<PlatformClient>> openPlatformClient(
    const std::string& pki_dir, std::string_view troad_url, const std::string& transfer_log_path);

}  // namespace claimgate::troad
