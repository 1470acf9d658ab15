// The event-driven front end (issue 8) with the real gateway binary on port 0 and real mTLS:
// a silent or dribbling peer is dropped at the head deadline and costs a legitimate terminal
// nothing; the connection cap refuses cleanly and reaps idle keep-alive connections first; the
// CRL is reloaded on SIGHUP (a revoked terminal is refused on its open connection, the others
// keep theirs) and a forged one is refused; the admin listener authenticates resolve and
// reports an unreachable database on /readyz; status lines carry reason phrases; a request with
// both Content-Length and Transfer-Encoding is refused and its connection closed; replies that
// fill a terminal's socket wait their turn and arrive whole and in order; a request in pieces,
// or several sent together, get the replies they get when sent whole; a peer holds no TLS state
// before its first record has arrived, and a ClientHello in pieces still completes.
#include "gateway_process.hpp"
#include "gateway_test_client.hpp"
#include "postgres_server.hpp"
#include "raw_connection.hpp"
#include "temp_dir.hpp"
#include "test_crl.hpp"
#include "test_pki.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <fstream>
#include <cstdlib>
#include <string_view>
#include <thread>
#include <vector>

namespace claimgate::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::int64_t metricValue(const std::string& text, const std::string& series) {
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stoll(text.substr(at + series.size() + 2));
}

/// A terminal's mTLS connection driven by hand with non-blocking OpenSSL, so that a test can
/// pipeline requests without reading the replies (no client library would).
class HandDrivenTlsConnection {
public:
    HandDrivenTlsConnection() = default;
    ~HandDrivenTlsConnection() {
        if (ssl_ != nullptr) SSL_free(ssl_);
        if (context_ != nullptr) SSL_CTX_free(context_);
        if (fd_ >= 0) ::close(fd_);
    }
    HandDrivenTlsConnection(const HandDrivenTlsConnection&) = delete;
    HandDrivenTlsConnection& operator=(const HandDrivenTlsConnection&) = delete;

    /// Connects with `receive_buffer` bytes of kernel receive buffer (0: the default) and does
    /// the handshake unless told not to.
    bool open(std::uint16_t port, const std::string& key, const std::string& certificate,
              int receive_buffer, bool handshake = true) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) return false;
        if (receive_buffer > 0) {
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
        }
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            return false;
        }
        context_ = SSL_CTX_new(TLS_client_method());
        if (context_ == nullptr ||
            SSL_CTX_use_certificate_chain_file(context_, certificate.c_str()) != 1 ||
            SSL_CTX_use_PrivateKey_file(context_, key.c_str(), SSL_FILETYPE_PEM) != 1) {
            return false;
        }
        ssl_ = SSL_new(context_);
        if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) return false;
        if (handshake && SSL_connect(ssl_) != 1) return false;
        SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        return ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK) == 0;
    }
    /// Connects and does the handshake with the ClientHello sent as `cuts` split it (byte
    /// offsets, ascending), `pause` between the pieces: a slow link or a hostile peer.
    bool openWithHelloInPieces(std::uint16_t port, const std::string& key,
                               const std::string& certificate, const std::vector<std::size_t>& cuts,
                               std::chrono::milliseconds pause) {
        if (!open(port, key, certificate, 0, /*handshake=*/false)) return false;
        // The ClientHello goes to memory first; the socket is non-blocking, so SSL_connect
        // stops after writing it, wanting the server's reply.
        BIO* hello = BIO_new(BIO_s_mem());
        if (hello == nullptr) return false;
        SSL_set0_wbio(ssl_, hello);
        if (SSL_connect(ssl_) == 1 || SSL_get_error(ssl_, -1) != SSL_ERROR_WANT_READ) return false;
        char* bytes = nullptr;
        const long size = BIO_get_mem_data(hello, &bytes);
        const std::string client_hello(bytes, static_cast<std::size_t>(size));
        std::size_t from = 0;
        for (std::size_t cut : cuts) {
            if (cut <= from || cut >= client_hello.size()) return false;
            if (!sendAll(fd_, client_hello.substr(from, cut - from))) return false;
            from = cut;
            std::this_thread::sleep_for(pause);
        }
        if (!sendAll(fd_, client_hello.substr(from))) return false;
        BIO* socket = BIO_new_socket(fd_, BIO_NOCLOSE);
        if (socket == nullptr) return false;
        SSL_set0_wbio(ssl_, socket);
        for (int tries = 0; tries < 100; ++tries) {  // the rest of the handshake, at most 5 s
            if (SSL_connect(ssl_) == 1) return true;
            if (SSL_get_error(ssl_, -1) != SSL_ERROR_WANT_READ) return false;
            waitUntilReady(false, 50ms);
        }
        return false;
    }
    /// Writes what fits now; 0 when the socket is full.
    std::size_t writeSome(std::string_view bytes) {
        std::size_t written = 0;
        return SSL_write_ex(ssl_, bytes.data(), bytes.size(), &written) == 1 ? written : 0;
    }
    /// Appends what has arrived; 0 when nothing has.
    std::size_t readSome(std::string& into) {
        std::array<char, 16384> chunk{};
        std::size_t read = 0;
        if (SSL_read_ex(ssl_, chunk.data(), chunk.size(), &read) != 1) return 0;
        into.append(chunk.data(), read);
        return read;
    }
    void waitUntilReady(bool want_write, std::chrono::milliseconds at_most) {
        pollfd entry{fd_, static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)), 0};
        ::poll(&entry, 1, static_cast<int>(at_most.count()));
    }

private:
    int fd_ = -1;
    SSL_CTX* context_ = nullptr;
    SSL* ssl_ = nullptr;
};

/// Appends the status of each whole HTTP/1.1 reply in `stream` from `at` on, and moves `at` past
/// them; an incomplete reply waits for more bytes. Replies carry Content-Length (the gateway
/// never chunks).
void takeReplyStatuses(const std::string& stream, std::size_t& at, std::vector<int>& statuses) {
    for (;;) {
        if (stream.size() < at + 12 || stream.compare(at, 9, "HTTP/1.1 ") != 0) return;
        const auto head_end = stream.find("\r\n\r\n", at);
        if (head_end == std::string::npos) return;
        const auto length_at = stream.find("Content-Length: ", at);
        if (length_at == std::string::npos || length_at > head_end) return;
        const auto length = std::stoul(stream.substr(length_at + 16, 10));
        if (head_end + 4 + length > stream.size()) return;
        statuses.push_back(std::stoi(stream.substr(at + 9, 3)));
        at = head_end + 4 + length;
    }
}

class FrontEndTest : public ::testing::Test {
protected:
    /// A private copy of the dev PKI (the CRL tests rewrite crl.pem) and a gateway on it.
    void startGateway(std::vector<std::string> extra_args = {}) {
        pki_ = temp_.file("pki");
        const std::string copy = "cp -r " + TestPki::shared().dir() + " " + pki_;
        ASSERT_EQ(std::system(copy.c_str()), 0);
        logs_ = temp_.file("logs");
        ASSERT_EQ(::mkdir(logs_.c_str(), 0700), 0);
        gateway_ = std::make_unique<GatewayProcess>(temp_.file("data"), pki_, logs_,
                                                    std::move(extra_args));
        ASSERT_TRUE(gateway_->start()) << gateway_->error();
    }
    std::string metrics() {
        return GatewayTestClient::plain(gateway_->adminPort()).get("/metrics").body;
    }
    std::int64_t metric(const std::string& series) { return metricValue(metrics(), series); }

    /// A terminal's GET /v1/programs on a fresh connection, with its wall time.
    std::pair<int, std::chrono::microseconds> timedTerminalRequest(const std::string& terminal) {
        const auto started = Clock::now();
        auto client = GatewayTestClient::forTerminal(gateway_->apiPort(), terminal);
        const int status = client.get("/v1/programs").status;
        return {status,
                std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started)};
    }

    TempDir temp_{"cg-front"};
    std::string pki_;
    std::string logs_;
    std::unique_ptr<GatewayProcess> gateway_;
};

TEST_F(FrontEndTest, StatusLinesCarryReasonPhrases) {
    startGateway();
    RawConnection admin(gateway_->adminPort());
    ASSERT_TRUE(admin.connected());
    ASSERT_TRUE(admin.send("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(admin.readUntil("\r\n", 2s).rfind("HTTP/1.1 404 Not Found\r\n", 0), 0U);
    (void)admin.readUntil("}", 2s);
    ASSERT_TRUE(admin.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(admin.readUntil("\r\n", 2s).rfind("HTTP/1.1 200 OK\r\n", 0), 0U);
    (void)admin.readUntil("}", 2s);
    ASSERT_TRUE(admin.send("DELETE /admin/claims/c_x/resolve HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(admin.readUntil("\r\n", 2s).rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0U);
}

TEST_F(FrontEndTest, ContentLengthWithTransferEncodingIs400AndClosed) {
    startGateway();
    const std::vector<std::string> smuggles = {
        "POST /admin/claims/c_x/resolve HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /admin/claims/c_x/resolve HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        "Content-Length: 5\r\n\r\n0\r\n\r\n",
        "POST /admin/claims/c_x/resolve HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n"
        "Content-Length: 2\r\n\r\n{}",
        "POST /admin/claims/c_x/resolve HTTP/1.1\r\nHost: x\r\nContent-Length: 2x\r\n\r\n{}",
        "POST /admin/claims/c_x/resolve HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}",
    };
    for (const auto& request : smuggles) {
        RawConnection admin(gateway_->adminPort());
        ASSERT_TRUE(admin.connected());
        ASSERT_TRUE(admin.send(request));
        const std::string reply = admin.readUntilClosed(3s);
        EXPECT_EQ(reply.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0U) << request << reply;
        EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
        EXPECT_TRUE(admin.closedByPeer()) << request;
    }
}

// TLS runs on the socket itself (gateway/src/net/tls_socket_stream.hpp). A terminal that
// pipelines many requests and reads nothing fills its socket: the gateway's TLS write must wait
// for room and retry the same bytes, while another terminal on the same, only I/O thread is
// served from the same staging area meanwhile. Every reply arrives whole, and in order.
TEST_F(FrontEndTest, PipelinedRepliesThatFillTheSocketArriveWholeAndInOrder) {
    startGateway({"--io-threads", "1"});
    HandDrivenTlsConnection pipeline;
    const auto& pki = TestPki::shared();
    ASSERT_TRUE(pipeline.open(gateway_->apiPort(), pki.terminalKey("atm-0001"),
                              pki.terminalPem("atm-0001"), 4096));
    // Alternating replies (200 with the program list, 404) make a lost or reordered one visible.
    // ~4.5 MB of requests fit the kernel's buffers towards the gateway; their ~25 MB of replies
    // do not fit those back (4 MB at most by default), so the gateway must stop and wait.
    constexpr int kRequests = 100'000;
    std::string requests;
    for (int i = 0; i < kRequests; ++i) {
        requests += i % 2 == 0 ? "GET /v1/programs HTTP/1.1\r\nHost: gateway\r\n\r\n"
                               : "GET /v1/no-such-thing HTTP/1.1\r\nHost: gateway\r\n\r\n";
    }
    std::size_t sent = 0;
    const auto sending_until = Clock::now() + 5s;
    while (sent < requests.size() && Clock::now() < sending_until) {
        const std::size_t wrote = pipeline.writeSome(std::string_view(requests).substr(sent));
        sent += wrote;
        if (wrote == 0) pipeline.waitUntilReady(true, 10ms);
    }
    // The gateway reads a request only after writing the previous reply: a count of answered
    // requests that stands still below the total means a reply is waiting for room.
    const auto answered = [this] {
        const std::string text = metrics();
        return std::max<std::int64_t>(
                   metricValue(text, R"(claimgate_requests_total{route="programs",status="200"})"),
                   0) +
               std::max<std::int64_t>(
                   metricValue(text, R"(claimgate_requests_total{route="other",status="404"})"),
                   0);
    };
    std::int64_t before = -1;
    std::int64_t now = answered();
    const auto stall_deadline = Clock::now() + 60s;
    while (now != before && Clock::now() < stall_deadline) {
        before = now;
        std::this_thread::sleep_for(500ms);
        now = answered();
    }
    ASSERT_EQ(now, before) << "the gateway never stopped answering";
    ASSERT_LT(now, kRequests) << "every reply fitted the socket buffers: nothing waited";
    EXPECT_EQ(timedTerminalRequest("atm-0002").first, 200);

    std::string replies;
    std::size_t parsed = 0;
    std::vector<int> statuses;
    const auto deadline = Clock::now() + 180s;  // seconds normally; more under ASan
    while (statuses.size() < static_cast<std::size_t>(kRequests) && Clock::now() < deadline) {
        if (sent < requests.size()) {
            sent += pipeline.writeSome(std::string_view(requests).substr(sent));
        }
        if (pipeline.readSome(replies) == 0) {
            pipeline.waitUntilReady(sent < requests.size(), 50ms);
        }
        takeReplyStatuses(replies, parsed, statuses);
        replies.erase(0, parsed);
        parsed = 0;
    }
    ASSERT_EQ(statuses.size(), static_cast<std::size_t>(kRequests));
    for (std::size_t i = 0; i < statuses.size(); ++i) {
        ASSERT_EQ(statuses[i], i % 2 == 0 ? 200 : 404) << "reply " << i;
    }
}

/// Reads from `connection` until `count` whole replies have arrived (or 5 s passed); returns
/// their bytes.
std::string readReplies(RawConnection& connection, std::size_t count) {
    std::string text;
    std::size_t at = 0;
    std::vector<int> statuses;
    const auto deadline = Clock::now() + 5s;
    while (statuses.size() < count && Clock::now() < deadline && !connection.closedByPeer()) {
        text += connection.readUntil("}", 200ms);
        takeReplyStatuses(text, at, statuses);
    }
    return text;
}

// A request whose bytes are all buffered is parsed on the spot; one that arrives in pieces is
// finished by the composed read (gateway/src/net/http_connection.cpp, readHead and readBody).
// Either way it gets the reply it gets when sent whole, and requests sent together are each
// answered once, in order, on a connection that stays open.
TEST_F(FrontEndTest, RequestsInPiecesOrSentTogetherGetTheRepliesOfWholeOnes) {
    startGateway();
    const std::string body = R"({"outcome":"voided","reason":"pieces"})";
    const std::string resolve =
        "POST /admin/claims/c_nosuchclaim/resolve HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    const std::string health = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    const auto replyToWhole = [this](const std::string& request) {
        RawConnection connection(gateway_->adminPort());
        EXPECT_TRUE(connection.connected() && connection.send(request));
        return readReplies(connection, 1);
    };
    const std::string resolved = replyToWhole(resolve);
    const std::string healthy = replyToWhole(health);
    ASSERT_EQ(resolved.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0U) << resolved;
    ASSERT_NE(resolved.find("unknown_claim"), std::string::npos) << resolved;
    ASSERT_EQ(healthy.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << healthy;

    RawConnection connection(gateway_->adminPort());
    ASSERT_TRUE(connection.connected());
    const std::size_t head_bytes = resolve.size() - body.size();
    // The head in two pieces, then the rest of the head with a few body bytes, then the rest.
    for (const auto& piece :
         {resolve.substr(0, 20), resolve.substr(20, head_bytes - 20 + 5),
          resolve.substr(head_bytes + 5)}) {
        ASSERT_TRUE(connection.send(piece));
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(readReplies(connection, 1), resolved);
    // The whole head, and the body later.
    ASSERT_TRUE(connection.send(resolve.substr(0, head_bytes)));
    std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(connection.send(body));
    EXPECT_EQ(readReplies(connection, 1), resolved);
    // Three requests in one send, then one more on the same connection.
    ASSERT_TRUE(connection.send(resolve + health + resolve));
    EXPECT_EQ(readReplies(connection, 3), resolved + healthy + resolved);
    ASSERT_TRUE(connection.send(health));
    EXPECT_EQ(readReplies(connection, 1), healthy);
    EXPECT_FALSE(connection.closedByPeer());
}

TEST_F(FrontEndTest, SilentAndDribblingPeersAreDroppedAtTheHeadDeadline) {
    startGateway({"--head-deadline-ms", "800"});
    RawConnection silent_tls(gateway_->apiPort());
    RawConnection silent_plain(gateway_->adminPort());
    RawConnection dribbler(gateway_->adminPort());
    ASSERT_TRUE(silent_tls.connected() && silent_plain.connected() && dribbler.connected());
    const auto started = Clock::now();
    const std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: yes\r\n\r\n";
    bool dribbler_cut = false;
    for (char byte : head) {  // one byte per 100 ms: 4.5 s for the head, far past the deadline
        if (!dribbler.send(std::string(1, byte)) || dribbler.waitClosed(100ms)) {
            dribbler_cut = true;
            break;
        }
    }
    const auto cut_after = Clock::now() - started;
    EXPECT_TRUE(dribbler_cut);
    EXPECT_LT(cut_after, 2500ms);
    EXPECT_TRUE(silent_tls.waitClosed(2s));
    EXPECT_TRUE(silent_plain.waitClosed(2s));
    const std::string text = metrics();
    EXPECT_GE(metricValue(text, R"(claimgate_tls_handshake_failures_total{reason="timeout"})"), 1)
        << text;
    // A real terminal is still served.
    EXPECT_EQ(timedTerminalRequest("atm-0001").first, 200);
}

/// The gateway's resident memory in KiB, from /proc; -1 if unreadable.
long residentKib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
}

// No OpenSSL state exists before a peer's first TLS record has arrived whole
// (gateway/src/net/tls_socket_stream.hpp): OpenSSL's accept state costs ~40 KiB, which a silent
// or dribbling peer used to pin and a burst of them paid for in page faults.
TEST_F(FrontEndTest, SilentAndDribblingPeersCostNoTlsStateBeforeTheirFirstRecord) {
    raiseFileLimit();
    startGateway();
    ASSERT_EQ(timedTerminalRequest("atm-0001").first, 200);  // warm: the first handshake's state
    const long before = residentKib(gateway_->pid());
    ASSERT_GT(before, 0);
    constexpr int kPeers = 2000;
#if defined(__SANITIZE_ADDRESS__)
    // The sanitizer's redzones, shadow and quarantine add a few KiB per small allocation; the
    // TLS state this guards against is ~40 KiB either way.
    constexpr double kPerPeerKibMax = 16.0;
#else
    constexpr double kPerPeerKibMax = 8.0;  // measured: ~1.6 KiB
#endif
    std::vector<RawConnection> peers;
    peers.reserve(kPeers);
    // A record header announcing a 512-byte ClientHello, and the first bytes of its body.
    const std::string partial_record("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
    for (int i = 0; i < kPeers; ++i) {
        peers.emplace_back(gateway_->apiPort());
        ASSERT_TRUE(peers.back().connected()) << i;
        if (i % 4 == 1) {
            ASSERT_TRUE(peers.back().send(partial_record.substr(0, 3)));
        } else if (i % 4 == 2) {
            ASSERT_TRUE(peers.back().send(partial_record));
        }
    }
    // Accepted, and the dribblers' bytes read: the gauge counts them, and a last peer's bytes
    // are read after the earlier ones' (one accept queue, handled in order).
    const auto until = Clock::now() + 10s;
    while (metric(R"(claimgate_connections_open{listener="api"})") < kPeers && Clock::now() < until) {
        std::this_thread::sleep_for(50ms);
    }
    ASSERT_GE(metric(R"(claimgate_connections_open{listener="api"})"), kPeers);
    std::this_thread::sleep_for(200ms);
    const long after = residentKib(gateway_->pid());
    const double per_peer_kib = static_cast<double>(after - before) / kPeers;
    EXPECT_LT(per_peer_kib, kPerPeerKibMax) << "RSS " << before << " KiB before, " << after << " KiB with "
                                 << kPeers << " silent or dribbling peers";
    EXPECT_EQ(timedTerminalRequest("atm-0002").first, 200);
}

// The ClientHello may arrive in pieces, split inside the record header and inside its body: the
// handshake starts once the record is whole and completes as usual. Bytes that are no TLS
// handshake record are refused at once, not at the head deadline.
TEST_F(FrontEndTest, AClientHelloInPiecesCompletesAndANonTlsPeerIsRefusedAtOnce) {
    startGateway();
    HandDrivenTlsConnection terminal;
    ASSERT_TRUE(terminal.openWithHelloInPieces(gateway_->apiPort(),
                                               TestPki::shared().terminalKey("atm-0001"),
                                               TestPki::shared().terminalPem("atm-0001"),
                                               {1, 4, 5, 40}, 30ms));
    const std::string request = "GET /v1/programs HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(terminal.writeSome(request), request.size());
    std::string replies;
    std::size_t at = 0;
    std::vector<int> statuses;
    const auto deadline = Clock::now() + 5s;
    while (statuses.empty() && Clock::now() < deadline) {
        terminal.waitUntilReady(false, 50ms);
        terminal.readSome(replies);
        takeReplyStatuses(replies, at, statuses);
    }
    ASSERT_EQ(statuses, std::vector<int>{200}) << replies;

    RawConnection plain(gateway_->apiPort());
    ASSERT_TRUE(plain.connected() && plain.send("GET /v1/programs HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto sent = Clock::now();
    EXPECT_TRUE(plain.waitClosed(2s));
    EXPECT_LT(Clock::now() - sent, 1s);  // the head deadline is 5 s
}

TEST_F(FrontEndTest, ThousandSilentConnectionsDelayARealRequestByUnder100ms) {
    raiseFileLimit();
    startGateway();
    // Baseline: a fresh mTLS connection and one request, best of three.
    std::chrono::microseconds baseline = 10s;
    for (int i = 0; i < 3; ++i) {
        const auto [status, took] = timedTerminalRequest("atm-0001");
        ASSERT_EQ(status, 200);
        baseline = std::min(baseline, took);
    }
    std::vector<RawConnection> idle;
    idle.reserve(1000);
    for (int i = 0; i < 1000; ++i) {
        idle.emplace_back(gateway_->apiPort());
        ASSERT_TRUE(idle.back().connected()) << i;
        // Half of them dribble the first bytes of a TLS record and then stall.
        if (i % 2 == 0) {
            ASSERT_TRUE(idle.back().send(std::string("\x16\x03\x01", 3)));
        }
    }
    std::chrono::microseconds loaded = 10s;
    for (int i = 0; i < 3; ++i) {
        const auto [status, took] = timedTerminalRequest("atm-0002");
        ASSERT_EQ(status, 200);
        loaded = std::min(loaded, took);
    }
    EXPECT_LT(loaded - baseline, 100ms) << "baseline " << baseline.count() << " us, with 1,000 "
                                        << "silent peers " << loaded.count() << " us";
    EXPECT_GE(metric(R"(claimgate_connections_open{listener="api"})"), 1000);
}

TEST_F(FrontEndTest, ConnectionCapReapsIdleKeepAliveFirstThenRefuses) {
    // Cap 10: idle connections are reaped from 9 (95 %) on; per peer 10.
    startGateway({"--max-connections", "10", "--max-connections-per-peer", "10"});
    std::vector<GatewayTestClient> terminals;
    for (int i = 0; i < 9; ++i) {
        terminals.push_back(GatewayTestClient::forTerminal(gateway_->apiPort(), "atm-0001"));
        ASSERT_EQ(terminals.back().get("/v1/programs").status, 200);
    }
    // The 10th terminal gets in: the longest-idle keep-alive connection makes room.
    auto newcomer = GatewayTestClient::forTerminal(gateway_->apiPort(), "atm-0002");
    EXPECT_EQ(newcomer.get("/v1/programs").status, 200);
    EXPECT_GE(metric(R"(claimgate_connections_reaped_total{listener="api"})"), 1);
    // The reaped (longest-idle) terminal finds its connection closed and simply reconnects.
    EXPECT_EQ(terminals.front().get("/v1/programs").status, 0);
    auto reconnected = GatewayTestClient::forTerminal(gateway_->apiPort(), "atm-0001");
    EXPECT_EQ(reconnected.get("/v1/programs").status, 200);

    // Busy (mid-handshake) connections are never reaped: beyond the cap new ones are refused,
    // closed at once rather than left waiting.
    // Each new connection reaps one idle one (asynchronously), so after twice the cap every
    // idle connection is gone and the node is full of busy ones.
    std::vector<RawConnection> busy;
    for (int i = 0; i < 20; ++i) {
        busy.emplace_back(gateway_->apiPort());
        (void)busy.back().send(std::string("\x16\x03\x01", 3));
        std::this_thread::sleep_for(10ms);
    }
    const auto refused_at = Clock::now();
    RawConnection late(gateway_->apiPort());
    ASSERT_TRUE(late.connected());  // the kernel accepts; the gateway closes it
    EXPECT_TRUE(late.waitClosed(2s));
    EXPECT_LT(Clock::now() - refused_at, 1s);
    EXPECT_GE(metric(R"(claimgate_connections_refused_total{listener="api",reason="node_cap"})"),
              1);
}

TEST_F(FrontEndTest, PerPeerCapRefusesTheExtraConnection) {
    startGateway({"--max-connections-per-peer", "3"});
    std::vector<RawConnection> mine;
    for (int i = 0; i < 3; ++i) mine.emplace_back(gateway_->apiPort());
    RawConnection fourth(gateway_->apiPort());
    EXPECT_TRUE(fourth.waitClosed(2s));
    EXPECT_FALSE(mine.front().waitClosed(200ms));
    EXPECT_GE(metric(R"(claimgate_connections_refused_total{listener="api",reason="peer_cap"})"),
              1);
}

TEST_F(FrontEndTest, IdleKeepAliveConnectionsAreClosedAfterTheIdleTimeout) {
    startGateway({"--idle-timeout-ms", "500"});
    RawConnection admin(gateway_->adminPort());
    ASSERT_TRUE(admin.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_NE(admin.readUntil("}", 2s).find("200 OK"), std::string::npos);
    const auto started = Clock::now();
    EXPECT_TRUE(admin.waitClosed(3s));
    EXPECT_GE(Clock::now() - started, 400ms);
}

TEST_F(FrontEndTest, SighupReloadsTheCrlWithoutDroppingOtherTerminals) {
    startGateway();
    auto revoked_soon = GatewayTestClient::forTerminal(gateway_->apiPort(), "atm-0001");
    auto unaffected = GatewayTestClient::forTerminal(gateway_->apiPort(), "atm-0002");
    ASSERT_EQ(revoked_soon.get("/v1/programs").status, 200);
    ASSERT_EQ(unaffected.get("/v1/programs").status, 200);
    const std::int64_t open_before = metric(R"(claimgate_connections_open{listener="api"})");

    // A genuine new CRL: the old revocation plus atm-0001, then SIGHUP (the once-a-second file
    // poll may see it first; either way the refusal must come within a second).
    writeCrl({pki_ + "/ca.pem",
              pki_ + "/ca.key",
              {pki_ + "/terminals/revoked-0001.pem", pki_ + "/terminals/atm-0001.pem"},
              86400},
             pki_ + "/crl.pem");
    ASSERT_TRUE(gateway_->sendSignal(SIGHUP));
    const auto sent = Clock::now();
    HttpReply refused;
    while (Clock::now() - sent < 1s) {
        refused = revoked_soon.get("/v1/programs");
        if (refused.status == 403) break;
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(refused.status, 403) << refused.describe();
    EXPECT_EQ(refused.code(), "terminal_revoked");
    EXPECT_LT(Clock::now() - sent, 1s);
    // The other terminal keeps its connection (no new one was opened) and is served.
    EXPECT_EQ(unaffected.get("/v1/programs").status, 200);
    EXPECT_EQ(metric(R"(claimgate_connections_open{listener="api"})"), open_before);
    EXPECT_GE(metric("claimgate_revoked_certificate_attempts_total"), 1);
    // SIGHUP never stops the gateway.
    std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(gateway_->alive());
    EXPECT_NE(gateway_->allLogs().find("CA bundle and CRL reloaded"), std::string::npos);
}

TEST_F(FrontEndTest, ForgedOrStaleCrlIsRefusedAndTheOldOneStays) {
    startGateway();
    auto terminal = GatewayTestClient::forTerminal(gateway_->apiPort(), "atm-0001");
    ASSERT_EQ(terminal.get("/v1/programs").status, 200);
    const std::string rejected = R"(claimgate_crl_reloads_total{result="rejected"})";
    const std::int64_t rejected_before = metric(rejected);
    // Signed by a key that is not the CA's, under the CA's name.
    writeCrl({pki_ + "/ca.pem", "", {pki_ + "/terminals/atm-0001.pem"}, 86400}, pki_ + "/crl.pem");
    ASSERT_TRUE(gateway_->sendSignal(SIGHUP));
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(terminal.get("/v1/programs").status, 200);
    // Issued by a CA the gateway does not trust at all.
    writeCrl({pki_ + "/untrusted/ca.pem", "", {pki_ + "/terminals/atm-0001.pem"}, 86400},
             pki_ + "/crl.pem");
    ASSERT_TRUE(gateway_->sendSignal(SIGHUP));
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(terminal.get("/v1/programs").status, 200);
    // Genuine but past its nextUpdate.
    writeCrl({pki_ + "/ca.pem", pki_ + "/ca.key", {pki_ + "/terminals/atm-0001.pem"}, -3600},
             pki_ + "/crl.pem");
    ASSERT_TRUE(gateway_->sendSignal(SIGHUP));
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(terminal.get("/v1/programs").status, 200);
    EXPECT_GE(metric(rejected), rejected_before + 3);
    // The original CRL is still enforced.
    auto revoked = GatewayTestClient::forTerminal(gateway_->apiPort(), "revoked-0001");
    EXPECT_EQ(revoked.get("/v1/programs").code(), "terminal_revoked");
    const std::string logs = gateway_->allLogs();
    EXPECT_NE(logs.find("signature does not verify"), std::string::npos) << logs;
    EXPECT_NE(logs.find("is not issued by a CA"), std::string::npos) << logs;
    EXPECT_NE(logs.find("past its nextUpdate"), std::string::npos) << logs;
    EXPECT_TRUE(gateway_->alive());
}

TEST_F(FrontEndTest, ResolveNeedsTheAdminTokenWhenOneIsConfigured) {
    const std::string tokens = temp_.file("admin-tokens");
    writeFileBytes(tokens, "# person:token\nalice:0123456789abcdef0123456789abcdef\n");
    startGateway({"--admin-token-file", tokens});
    auto admin = GatewayTestClient::plain(gateway_->adminPort());
    const std::string body = R"({"outcome":"voided","reason":"x"})";
    HttpReply reply = admin.post("/admin/claims/c_nosuchclaim/resolve", body);
    EXPECT_EQ(reply.status, 401) << reply.describe();
    EXPECT_EQ(reply.code(), "admin_unauthenticated");
    reply = admin.request("POST", "/admin/claims/c_nosuchclaim/resolve", body,
                          {{"Authorization", "Bearer 0123456789abcdef0123456789abcdeX"}});
    EXPECT_EQ(reply.code(), "admin_unauthenticated") << reply.describe();
    reply = admin.request("POST", "/admin/claims/c_nosuchclaim/resolve", body,
                          {{"Authorization", "Bearer 0123456789abcdef0123456789abcdef"}});
    EXPECT_EQ(reply.code(), "unknown_claim") << reply.describe();  // authenticated
    // Probes need no token.
    EXPECT_EQ(admin.get("/healthz").status, 200);
    EXPECT_EQ(admin.get("/readyz").status, 200);
}

TEST_F(FrontEndTest, NonLoopbackAdminBindWithoutTokenFileIsRefused) {
    const std::string pki = TestPki::shared().dir();
    const auto result =
        runCommand({binDir() + "/claimgate-gateway", "serve", "--data-dir", temp_.file("data"),
                    "--pki-dir", pki, "--listen", "127.0.0.1:0", "--admin-listen", "0.0.0.0:0"},
                   temp_.file("refused.log"), std::chrono::seconds(20));
    EXPECT_NE(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("--admin-token-file"), std::string::npos) << result.output;
}

TEST_F(FrontEndTest, ReadyzIs503WhileTheLedgerDatabaseIsDown) {
    PostgresServer postgres(temp_.file("pg"));
    const std::string uri = postgres.freshDatabase();
    startGateway({"--ledger", uri});
    auto admin = GatewayTestClient::plain(gateway_->adminPort());
    EXPECT_EQ(admin.get("/readyz").status, 200);
    postgres.stop();
    HttpReply reply;
    const auto stopped = Clock::now();
    while (Clock::now() - stopped < 10s) {
        reply = admin.get("/readyz");
        if (reply.status == 503) break;
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(reply.status, 503) << reply.describe();
    EXPECT_EQ(reply.code(), "not_ready");
    EXPECT_EQ(admin.get("/healthz").status, 200);  // alive, just not ready
    postgres.restart();
    const auto restarted = Clock::now();
    while (Clock::now() - restarted < 10s) {
        reply = admin.get("/readyz");
        if (reply.status == 200) break;
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(reply.status, 200) << reply.describe();
}

}  // namespace
}  // namespace claimgate::testing
