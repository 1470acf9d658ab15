// claimgate-recon match: argument handling and output files around MatchEngine.
#include "commands.hpp"

#include <claimgate/ledger/ledger_factory.hpp>
#include <claimgate/protocols/time_format.hpp>
#include <claimgate/recon/exception_history.hpp>
#include <claimgate/recon/exception_writer.hpp>
#include <claimgate/recon/limits.hpp>
#include <claimgate/recon/match_engine.hpp>
#include <claimgate/recon/report_writer.hpp>
#include <claimgate/recon/resolution_csv_writer.hpp>
#include <claimgate/recon/settlement_manifest.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

namespace claimgate::recon {
namespace {

using protocols::Status;

constexpr const char* kUsage =
    "Classifies every ledger claim and settlement row (contracts §11) and writes to DIR:\n"
    "  report.json      counts and amounts by category, channel and operator; money per operator\n"
    "  report.html      the same for finance staff, with charts and the exceptions by group\n"
    "  exceptions.csv   one row per outcome other than matched / voided, and per bad line,\n"
    "                   grouped by what to act on first\n"
    "  exceptions-OPERATOR.csv  the same, one file per operator (to send to each)\n"
    "  resolutions.csv  in-doubt claims this run resolves (paid / voided)\n"
    "\n"
    "usage: claimgate-recon match --claims ledger.csv --settlement FILE_OR_DIR... --out DIR\n"
    "                             [--max-bad-lines N] [--closed-before TIME]\n"
    "                             [--apply [--data-dir DIR] [--ledger sqlite|postgresql://...]]\n"
    "                             [--no-progress] [--lang zh-TW|en] [--manifest FILE]\n"
    "                             [--state FILE]\n"
    "\n"
    "  --claims FILE      ledger export of `claimgate-recon export` (required; `--ledger\n"
    "                     FILE.csv` is still understood)\n"
    "  --settlement ...   files, or directories meaning every *.csv in them (sorted by name);\n"
    "                     takes every following argument up to the next option (required)\n"
    "  --out DIR          where the reports go (required)\n"
    "  --max-bad-lines N  malformed lines tolerated before the run stops (default 100)\n"
    "  --closed-before T  RFC 3339 time: in-doubt claims held before it with no settlement\n"
    "                     row resolve as voided (default: none, they stay in doubt)\n"
    "  --apply            apply the resolutions to the ledger (default off; refused when any\n"
    "                     input line was malformed): --ledger names it as on every command,\n"
    "                     `sqlite` (the default: ledger.db in --data-dir) or a PostgreSQL URI\n"
    "  --data-dir DIR     the gateway's data dir, for --apply on SQLite (default: none)\n"
    "  --lang L           language of report.html: zh-TW (default, Traditional Chinese) or en\n"
    "  --manifest FILE    CSV `operator,business_date` of the expected OPERATOR_DATE.csv\n"
    "                     files; the ones that did not arrive are reported first (default:\n"
    "                     none)\n"
    "  --state FILE       exception state file (read, then rewritten): exceptions listed by\n"
    "                     earlier runs are marked, with who acknowledged them (default: none)\n"
    "  --no-progress      no progress line on stderr (default: shown on a terminal)\n"
    "Exit status: 0 done (exceptions are normal output), 1 failed, 2 usage error.\n";

int usageError(const std::string& message) { return recon::usageError("match", kUsage, message); }

int failure(const std::string& message) { return commandFailure("match", message); }

}  // namespace

int runMatch(int argc, char** argv) {
    const auto started = std::chrono::steady_clock::now();
    MatchOptions options;
    std::vector<std::string> settlement_arguments;
    std::string out_dir;
    std::string data_dir;
    std::string ledger = "sqlite";
    bool apply = false;
    bool progress = ::isatty(STDERR_FILENO) == 1;
    ReportContext context;
    std::string manifest_path;
    std::string state_path;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        const bool has_value = i + 1 < argc;
        if (argument == "--help" || argument == "-h") {
            std::fputs(kUsage, stdout);
            return kExitOk;
        }
        if (argument == "--claims" && has_value) {
            options.ledger_path = argv[++i];
        } else if (argument == "--ledger" && has_value) {
            // The store, named as on every other command; a file name here is the export CSV
            // (what --ledger meant before --claims).
            const std::string value = argv[++i];
            if (value == "sqlite" || gateway::isPostgresLedger(value)) {
                ledger = value;
            } else {
                options.ledger_path = value;
            }
        } else if (argument == "--settlement" && has_value) {
            while (i + 1 < argc && std::string_view(argv[i + 1]).rfind("--", 0) != 0) {
                settlement_arguments.emplace_back(argv[++i]);
            }
        } else if (argument == "--out" && has_value) {
            out_dir = argv[++i];
        } else if (argument == "--data-dir" && has_value) {
            data_dir = argv[++i];
        } else if (argument == "--apply") {
            apply = true;
        } else if (argument == "--no-progress") {
            progress = false;
        } else if (argument == "--max-bad-lines" && has_value) {
            char* end = nullptr;
            const unsigned long long value = std::strtoull(argv[++i], &end, 10);
            if (end == argv[i] || *end != '\0' || value > kBadLinesMax) {
                return usageError("--max-bad-lines must be a number from 0 to " +
                                  std::to_string(kBadLinesMax));
            }
            options.max_bad_lines = value;
        } else if (argument == "--lang" && has_value) {
            const auto language = parseReportLanguage(argv[++i]);
            if (!language) {
                return usageError("--lang must be zh-TW or en");
            }
            context.language = *language;
        } else if (argument == "--manifest" && has_value) {
            manifest_path = argv[++i];
        } else if (argument == "--state" && has_value) {
            state_path = argv[++i];
        } else if (argument == "--closed-before" && has_value) {
            context.closed_before = argv[i + 1];
            options.closed_before_millis = protocols::parseRfc3339Millis(argv[++i]);
            if (!options.closed_before_millis) {
                return usageError(
                    "--closed-before wants an RFC 3339 time, e.g. "
                    "2023-05-01T00:00:00+08:00");
            }
        } else {
            return usageError("unknown or incomplete option '" + argument + "'");
        }
    }
    if (options.ledger_path.empty() || settlement_arguments.empty() || out_dir.empty()) {
        return usageError("--claims, --settlement and --out are required");
    }
    if (apply && ledger == "sqlite" && data_dir.empty()) {
        return usageError(
            "--apply needs --data-dir DIR (the gateway's, for --ledger sqlite) or "
            "--ledger postgresql://...");
    }
    ResolutionSinkPtr ledger_sink;
    if (apply) {
        auto sink = makeLedgerResolutionSink(data_dir, ledger);
        if (!sink.ok()) {
            return failure(sink.status().message());
        }
        ledger_sink = std::move(sink).value();
    }
    auto files = expandSettlementPaths(settlement_arguments);
    if (!files.ok()) {
        return failure(files.status().message());
    }
    if (files.value().empty()) {
        return failure("no settlement files found (a directory argument means its *.csv files)");
    }
    if (!manifest_path.empty()) {
        auto manifest = readManifest(manifest_path);
        if (!manifest.ok()) {
            return failure(manifest.status().message());
        }
        context.manifest_given = true;
        context.expected_files = std::move(manifest).value();
        checkArrivals(context.expected_files, files.value());
        for (const ExpectedFile& expected : context.expected_files) {
            if (!expected.arrived) options.missing_settlement_files.insert(expected.file_name);
        }
    }
    std::optional<ExceptionHistory> history;
    if (!state_path.empty()) {
        auto loaded = ExceptionHistory::load(state_path);
        if (!loaded.ok()) {
            return failure(loaded.status().message());
        }
        history = std::move(loaded).value();
        context.history_used = true;
    }
    context.generated_at =
        protocols::formatRfc3339Millis(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
    std::error_code error;
    std::filesystem::create_directories(out_dir, error);
    if (error) {
        return failure(out_dir + ": " + error.message());
    }
    const std::string exceptions_path = out_dir + "/exceptions.csv";
    auto exceptions =
        ExceptionWriter::open(exceptions_path, history ? &*history : nullptr, context.generated_at);
    if (!exceptions.ok()) {
        return failure(exceptions.status().message());
    }
    ExceptionWriter& exception_writer = *exceptions.value();
    options.settlement_paths = std::move(files).value();
    options.progress = progress;
    options.warn = [](const std::string& text) {
        std::fprintf(stderr, "claimgate-recon match: %s\n", text.c_str());
    };
    MatchEngine engine(options);
    if (Status read = engine.read(exception_writer); !read.ok()) {
        exception_writer.abandon();
        return failure(read.message());
    }
    const bool refuse_apply = apply && engine.summary().bad_line_count > 0;
    auto resolutions = ResolutionCsvWriter::open(
        out_dir + "/resolutions.csv", apply && !refuse_apply ? ledger_sink.get() : nullptr);
    if (!resolutions.ok()) {
        exception_writer.abandon();
        return failure(resolutions.status().message());
    }
    if (Status classified = engine.classify(exception_writer, *resolutions.value());
        !classified.ok()) {
        exception_writer.abandon();
        return failure(classified.message());
    }
    if (Status committed = exception_writer.commit(); !committed.ok()) {
        return failure(committed.message());
    }
    if (history) {
        if (Status saved = history->save(state_path); !saved.ok()) {
            return failure(saved.message());
        }
    }
    context.preview = exception_writer.preview();
    context.operator_files = exception_writer.operatorFiles();
    context.marks = exception_writer.marks();
    MatchSummary summary = engine.summary();
    summary.resolutions_applied = apply && !refuse_apply;
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (Status json = writeFileAtomically(out_dir + "/report.json",
                                          reportJson(summary, context).dump(2) + "\n");
        !json.ok()) {
        return failure(json.message());
    }
    if (Status html = writeFileAtomically(out_dir + "/report.html", reportHtml(summary, context));
        !html.ok()) {
        return failure(html.message());
    }
    for (const ExpectedFile& expected : context.expected_files) {
        if (!expected.arrived) {
            std::printf("MISSING settlement file %s (operator %s, business date %s)\n",
                        expected.file_name.c_str(), expected.operator_name.c_str(),
                        expected.business_date.c_str());
        }
    }
    std::printf(
        "claimgate-recon match: %llu ledger claims, %llu settlement rows, %llu exceptions "
        "in %.1f s\n",
        static_cast<unsigned long long>(summary.ledger_records),
        static_cast<unsigned long long>(summary.settlement_records),
        static_cast<unsigned long long>(summary.exception_count), summary.seconds);
    for (std::size_t c = 0; c < kMatchCategoryCount; ++c) {
        std::printf("  %-24s %12llu  NT$ %s\n",
                    std::string(categoryName(static_cast<Category>(c))).c_str(),
                    static_cast<unsigned long long>(summary.totals[c].count),
                    groupThousands(summary.totals[c].amount).c_str());
    }
    if (summary.bad_line_count > 0) {
        std::printf("  %-24s %12llu  (see exceptions.csv, category malformed)\n", "bad lines",
                    static_cast<unsigned long long>(summary.bad_line_count));
    }
    std::printf("report: %s/report.html\n", out_dir.c_str());
    if (refuse_apply) {
        return failure("refusing --apply: " + std::to_string(summary.bad_line_count) +
                       " malformed input line(s); a lost settlement row could void a paid claim. "
                       "Fix the input and run again (resolutions.csv lists what would be applied)");
    }
    return kExitOk;
}

}  // namespace claimgate::recon
