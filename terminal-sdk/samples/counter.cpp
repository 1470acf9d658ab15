// counter.cpp - a post-office counter integration of the claimgate SDK through its C++ API.
// The clerk has checked the physical cards; a proxy (guardian, agent) shows their own ID.
//
//   counter --gateway https://localhost:8443 --pki-dir pki --journal counter.journal
//           --program CASH2023 --citizen A123456789 [--proxy B234567890]
#include <claimgate/sdk/client.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>

namespace {

void usage() {
    std::printf(
        "usage: counter --gateway URL --pki-dir DIR --journal PATH --program ID\n"
        "               --citizen ID [--proxy ID]\n");
}

void print(const char* step, const claimgate::sdk::Outcome& outcome) {
    std::printf("%-8s %-13s http=%d code=%s claim=%s status=%s amount=%lld %s\n", step,
                claimgate::sdk::statusName(outcome.status), outcome.http_status,
                outcome.code.c_str(), outcome.claim_id.c_str(), outcome.claim_status.c_str(),
                static_cast<long long>(outcome.amount), outcome.message.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    using claimgate::sdk::Status;
    std::map<std::string, std::string> options;
    for (int i = 1; i < argc; ++i) {
        const std::string name = argv[i];
        if (name == "--help" || name == "-h") {
            usage();
            return 0;
        }
        if (i + 1 >= argc) {
            usage();
            return 2;
        }
        options[name] = argv[++i];
    }
    for (const char* required : {"--gateway", "--pki-dir", "--journal", "--program", "--citizen"}) {
        if (options.count(required) == 0) {
            usage();
            return 2;
        }
    }
    const std::string pki = options["--pki-dir"];
    claimgate::sdk::ClientConfig config;
    config.gateway_url = options["--gateway"];
    config.ca_file = pki + "/ca.pem";
    config.cert_file = pki + "/terminals/counter-0001.pem";
    config.key_file = pki + "/terminals/counter-0001.key";
    config.journal_path = options["--journal"];
    std::unique_ptr<claimgate::sdk::Client> client;
    std::string error;
    if (claimgate::sdk::Client::open(config, client, error) != Status::ok) {
        std::fprintf(stderr, "open: %s\n", error.c_str());
        return 1;
    }
    const auto held =
        client->reserve(options["--program"], options["--citizen"], "", options["--proxy"], 0);
    print("reserve", held);
    if (!held.ok()) {
        return 1;  // refused or unavailable: hand over nothing
    }
    // ... the clerk counts the cash out and the citizen signs ...
    const auto paid = client->commit(held.claim_id, held.amount, "counter-0001-0001");
    print("commit", paid);
    if (client->flush(std::chrono::seconds(3)) != Status::ok) {
        std::printf("pending  %lld advices stay in the journal\n",
                    static_cast<long long>(client->pendingAdvices()));
    }
    return paid.status == Status::ok || paid.status == Status::queued ? 0 : 1;
}
