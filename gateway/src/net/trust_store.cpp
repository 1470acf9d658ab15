#include "net/trust_store.hpp"

#include <claimgate/gateway/metrics.hpp>
#include <claimgate/protocols/log.hpp>

#include <openssl/ssl.h>
#include <sys/stat.h>

#include <cstdio>
#include <ctime>

namespace claimgate::gateway::net {
namespace {

using protocols::ErrorCode;
using protocols::Status;

std::int64_t nowSeconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace

protocols::Result<std::shared_ptr<boost::asio::ssl::context>> makeServerTlsContext(
    const TrustFiles& files) {
    namespace ssl = boost::asio::ssl;
    try {
        auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
        context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                             ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                             ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
        context->use_certificate_chain_file(files.certificate);
        context->use_private_key_file(files.private_key, ssl::context::pem);
        context->load_verify_file(files.ca_bundle);
        context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
        SSL_CTX* native = context->native_handle();
        if (SSL_CTX_set_cipher_list(native, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!MD5") != 1) {
            return Status(ErrorCode::internal, "no usable TLS cipher");
        }
        // Resumption with client certificates needs a session id context.
        static const unsigned char kSessionContext[] = "claimgate";
        SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
        // OpenSSL frees its record buffers while a connection is idle: most of the fleet is.
        SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
        return context;
    } catch (const boost::system::system_error& error) {
        return Status(ErrorCode::internal, std::string("TLS set-up: ") + error.what());
    }
}

TrustStore::TrustStore(TrustFiles files, Metrics& metrics)
    : files_(std::move(files)), metrics_(metrics) {}

protocols::Result<std::unique_ptr<TrustStore>> TrustStore::open(TrustFiles files,
                                                                Metrics& metrics) {
    std::unique_ptr<TrustStore> store(new TrustStore(std::move(files), metrics));
    store->ca_stamp_ = store->stampOf(store->files_.ca_bundle);
    store->crl_stamp_ = store->stampOf(store->files_.crl);
    auto loaded = store->load(true);
    if (!loaded) return loaded.status();
    store->current_ = std::move(loaded).value();
    metrics.setCrlNextUpdate(store->current_.authenticator->nextUpdateEpochSeconds());
    return store;
}

protocols::Result<TrustStore::Loaded> TrustStore::load(bool at_start) const {
    auto context = makeServerTlsContext(files_);
    if (!context) return context.status();
    auto authenticator = TerminalAuthenticator::fromFiles(files_.ca_bundle, files_.crl);
    if (!authenticator) return authenticator.status();
    if (authenticator.value()->isStale(nowSeconds())) {
        if (!at_start) {
            return Status(ErrorCode::internal, "CRL " + files_.crl + " is past its nextUpdate");
        }
        log::warn("tls", "CRL is past its nextUpdate; enforcing it until a fresh one arrives",
                  {{"crl", files_.crl}});
    }
    return Loaded{std::move(context).value(), std::move(authenticator).value()};
}

protocols::Status TrustStore::reload() {
    std::lock_guard serial(reload_mutex_);
    return reloadSerialized();
}

protocols::Status TrustStore::reloadSerialized() {
    auto loaded = load(false);
    if (!loaded) {
        metrics_.crlReloaded(false);
        log::warn("tls", "certificate reload refused, previous CA and CRL stay",
                  {{"error", log::firstLine(loaded.status().message())}});
        return loaded.status();
    }
    {
        std::lock_guard lock(mutex_);
        current_ = std::move(loaded).value();
    }
    generation_.fetch_add(1, std::memory_order_acq_rel);
    metrics_.crlReloaded(true);
    metrics_.setCrlNextUpdate(authenticator()->nextUpdateEpochSeconds());
    log::info("tls", "CA bundle and CRL reloaded",
              {{"revoked_certificates", authenticator()->revokedCount()}});
    return Status::okStatus();
}

void TrustStore::reloadIfChanged() {
    std::lock_guard serial(reload_mutex_);
    const FileStamp ca = stampOf(files_.ca_bundle);
    const FileStamp crl = stampOf(files_.crl);
    if (ca == ca_stamp_ && crl == crl_stamp_) return;
    // Remember the new stamps even when the reload fails: a bad file is reported once, and
    // the next change is tried again.
    ca_stamp_ = ca;
    crl_stamp_ = crl;
    (void)reloadSerialized();
}

TrustStore::FileStamp TrustStore::stampOf(const std::string& path) const {
    struct stat info {};
    if (path.empty() || ::stat(path.c_str(), &info) != 0) return {};
    return FileStamp{
        info.st_ino, info.st_size,
        static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec};
}

std::shared_ptr<boost::asio::ssl::context> TrustStore::tlsContext() const {
    std::lock_guard lock(mutex_);
    return current_.context;
}

std::shared_ptr<const TerminalAuthenticator> TrustStore::authenticator() const {
    std::lock_guard lock(mutex_);
    return current_.authenticator;
}

}  // namespace claimgate::gateway::net
