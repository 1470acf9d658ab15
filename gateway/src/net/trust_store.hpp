// File: trust_store.hpp
// The TLS server context and the terminal CRL, reloadable while serving (SIGHUP, or a change of
// the files seen by a cheap stat poll). A reload builds a complete new context and authenticator
// and swaps them in; anything wrong (unreadable bundle, CRL of a foreign CA or with a bad
// signature, CRL past its nextUpdate) keeps the previous pair, is logged and counted. New
// handshakes use the new context; established connections keep theirs (OpenSSL reference-counts
// it), and every request is checked against the current CRL.
//
// Stale CRL policy (contracts §10): fail open, loudly. A CRL past nextUpdate is never swapped in
// over a fresher one, but the CRL in force keeps being enforced after its own nextUpdate: failing
// closed would stop every terminal in the country because a publisher was late, while the
// revocations we hold still apply. claimgate_crl_rejected_total and the log make it visible.
#pragma once

#include <claimgate/protocols/status.hpp>

#include "http/terminal_authenticator.hpp"

#include <boost/asio/ssl/context.hpp>

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace claimgate::gateway {
class Metrics;
}

namespace claimgate::gateway::net {

struct TrustFiles {
    std::string certificate;  // server certificate chain (PEM)
    std::string private_key;  // its key (PEM)
    std::string ca_bundle;    // CAs whose client certificates are accepted
    std::string crl;          // CRL of that CA; "" = none
};

class TrustStore {
public:
    /// Loads everything once; at start-up a stale CRL is accepted (it is the best revocation
    /// list there is) with a warning, any other problem fails the start.
    static protocols::Result<std::unique_ptr<TrustStore>> open(TrustFiles files, Metrics& metrics);

    [[nodiscard]] std::shared_ptr<boost::asio::ssl::context> tlsContext() const;
    [[nodiscard]] std::shared_ptr<const TerminalAuthenticator> authenticator() const;
    /// Bumped by every successful reload; callers cache per generation.
    [[nodiscard]] std::uint64_t generation() const {
        return generation_.load(std::memory_order_acquire);
    }

    /// Re-reads the files now; on any problem the previous context and CRL stay in force.
    protocols::Status reload();
    /// reload() if a file's mtime, size or inode changed since the last look.
    void reloadIfChanged();

private:
    struct FileStamp {
        ino_t inode = 0;
        off_t size = 0;
        std::int64_t mtime_ns = 0;
        bool operator==(const FileStamp&) const = default;
    };
    struct Loaded {
        std::shared_ptr<boost::asio::ssl::context> context;
        std::shared_ptr<const TerminalAuthenticator> authenticator;
    };
    TrustStore(TrustFiles files, Metrics& metrics);
    protocols::Result<Loaded> load(bool at_start) const;
    protocols::Status reloadSerialized();
    [[nodiscard]] FileStamp stampOf(const std::string& path) const;

    const TrustFiles files_;
    Metrics& metrics_;
    std::mutex reload_mutex_;   // one reload at a time (SIGHUP and the file poll)
    mutable std::mutex mutex_;  // guards current_
    Loaded current_;
    FileStamp ca_stamp_;
    FileStamp crl_stamp_;
    std::atomic<std::uint64_t> generation_{1};
};

/// The server context every TLS listener uses: TLS 1.2+, AEAD ciphers, client certificate
/// required and verified against `ca_bundle`, session resumption, small idle buffers.
protocols::Result<std::shared_ptr<boost::asio::ssl::context>> makeServerTlsContext(
    const TrustFiles& files);

}  // namespace claimgate::gateway::net
