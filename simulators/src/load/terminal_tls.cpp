#include "load/terminal_tls.hpp"

#include <filesystem>

namespace claimgate::simulators {

protocols::Status configureTerminalTls(const std::string& pki_dir, const std::string& terminal_cert,
                                       boost::asio::ssl::context& tls) {
    const std::string ca = pki_dir + "/ca.pem";
    const std::string cert = pki_dir + "/terminals/" + terminal_cert + ".pem";
    const std::string key = pki_dir + "/terminals/" + terminal_cert + ".key";
    for (const auto& file : {ca, cert, key}) {
        if (!std::filesystem::is_regular_file(file)) {
            return protocols::Status(protocols::ErrorCode::bad_field, "missing PKI file " + file);
        }
    }
    boost::system::error_code error;
    tls.set_options(boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3 |
                        boost::asio::ssl::context::no_tlsv1 | boost::asio::ssl::context::no_tlsv1_1,
                    error);
    if (!error) tls.load_verify_file(ca, error);
    if (!error) tls.use_certificate_chain_file(cert, error);
    if (!error) tls.use_private_key_file(key, boost::asio::ssl::context::pem, error);
    if (!error) tls.set_verify_mode(boost::asio::ssl::verify_peer, error);
    if (error) {
        return protocols::Status(protocols::ErrorCode::bad_field,
                                 "TLS set-up failed: " + error.message());
    }
    return protocols::Status::okStatus();
}

}  // namespace claimgate::simulators
