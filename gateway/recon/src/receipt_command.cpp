// File: receipt_command.cpp
// `claimgate-recon receipt verify`: checks printed receipts offline, for auditors and counter
// staff, with the same verifier as the SDK's cg_verify_receipt (protocols ReceiptVerifier).
#include "commands.hpp"

#include <claimgate/protocols/receipt_code.hpp>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace claimgate::recon {
namespace {

constexpr const char* kUsage =
    "usage: claimgate-recon receipt verify --cert RECEIPT_PEM (QR_TEXT ... | --file FILE)\n"
    "  Checks each receipt's signature offline against the gateway's receipt certificate\n"
    "  (receipt.pem). QR_TEXT is the printed text (CGR1|...); --file reads one per line\n"
    "  ('-' for standard input). Prints GENUINE, ALTERED or MALFORMED per receipt.\n"
    "  Exit status: 0 all genuine, 1 any altered or malformed, 2 usage or certificate error.\n";

// Receipts read from a file stop at this many, so a wrong file cannot run unbounded.
constexpr std::size_t kReceiptsPerRunMax = 1'000'000;

}  // namespace

int runReceipt(int argc, char** argv) {
    if (argc < 2 || std::strcmp(argv[1], "verify") != 0) {
        const bool help =
            argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0);
        std::fputs(kUsage, help ? stdout : stderr);
        return help ? kExitOk : kExitUsage;
    }
    std::string cert;
    std::string file;
    std::vector<std::string> texts;
    for (int i = 2; i < argc; ++i) {
        const std::string arg = argv[i];
        if ((arg == "--cert" || arg == "--file") && i + 1 < argc) {
            (arg == "--cert" ? cert : file) = argv[++i];
        } else if (arg == "--help" || arg == "-h") {
            std::fputs(kUsage, stdout);
            return kExitOk;
        } else if (arg.rfind("--", 0) == 0) {
            std::fprintf(stderr, "claimgate-recon receipt verify: unknown option %s\n%s",
                         arg.c_str(), kUsage);
            return kExitUsage;
        } else {
            texts.push_back(arg);
        }
    }
    if (cert.empty() || (texts.empty() == file.empty())) {
        std::fputs(kUsage, stderr);
        return kExitUsage;
    }
    auto verifier = protocols::ReceiptVerifier::fromPemFile(cert);
    if (!verifier.ok()) {
        std::fprintf(stderr, "claimgate-recon receipt verify: %s\n",
                     verifier.status().message().c_str());
        return kExitUsage;
    }
    if (!file.empty()) {
        std::ifstream input;
        if (file != "-") {
            input.open(file);
            if (!input) {
                std::fprintf(stderr, "claimgate-recon receipt verify: cannot read %s\n",
                             file.c_str());
                return kExitUsage;
            }
        }
        std::istream& in = file == "-" ? std::cin : input;
        for (std::string line; std::getline(in, line) && texts.size() < kReceiptsPerRunMax;) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (!line.empty()) texts.push_back(line);
        }
    }
    std::size_t genuine = 0;
    for (const std::string& text : texts) {
        std::string why;
        switch (verifier->check(text, why)) {
            case protocols::ReceiptCheck::genuine:
                ++genuine;
                std::printf("GENUINE   %s\n", why.c_str());
                break;
            case protocols::ReceiptCheck::altered:
                std::printf("ALTERED   %s\n", why.c_str());
                break;
            case protocols::ReceiptCheck::malformed:
                std::printf("MALFORMED %s\n", why.c_str());
                break;
        }
    }
    std::printf("%zu of %zu receipts genuine (receipt key %s)\n", genuine, texts.size(),
                verifier->keyId().c_str());
    return genuine == texts.size() ? kExitOk : kExitFailure;
}

}  // namespace claimgate::recon
