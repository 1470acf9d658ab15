// File: platform_link.cpp
#include <claimgate/troad/platform_link.hpp>

#include <claimgate/troad/poco_troad_transport.hpp>

namespace claimgate::troad {

protocols::Result<std::unique_ptr<PlatformClient>> openPlatformClient(
    const std::string& pki_dir, std::string_view troad_url, const std::string& transfer_log_path) {
    auto endpoint = parseTroadUrl(troad_url);
    if (!endpoint) {
        return endpoint.status();
    }
    auto transport =
        PocoTroadTransport::create(PocoTroadTransportConfig::fromPkiDir(pki_dir, *endpoint));
    if (!transport) {
        return transport.status();
    }
    auto config = PlatformClientConfig::fromPkiDir(pki_dir);
    if (!config) {
        return config.status();
    }
    auto log = TransferLog::open(transfer_log_path);
    if (!log) {
        return log.status();
    }
    return std::make_unique<PlatformClient>(std::move(transport).value(), std::move(config).value(),
                                            std::move(log).value());
}

}  // namespace claimgate::troad
