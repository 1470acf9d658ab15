// The T-Road platform formats coded once in claimgate::protocols: what the simulator encodes,
// recon decodes to the same values (and the other way round for claim batches), and the rules
// that keep plaintext IDs off T-Road hold in both directions.
#include <claimgate/protocols/error_code.hpp>
#include <claimgate/troad/claim_batch.hpp>
#include <claimgate/troad/payout_page.hpp>
#include <claimgate/troad/roster_page.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace claimgate::troad {
namespace {

using protocols::ErrorCode;

BatchClaim claim(const std::string& id) {
    BatchClaim c;
    c.claim_id = id;
    c.program = "CASH2023";
    c.citizen_key = std::string(64, 'a');
    c.channel = "atm";
    c.operator_id = "BANK004";
    c.terminal_id = "atm-0001";
    c.terminal_ref = "T1";
    c.amount = 6000;
    c.status = "paid";
    c.held_at = "2023-04-10T10:00:00+08:00";
    c.paid_at = "2023-04-10T10:00:20+08:00";
    return c;
}

TEST(TroadCodecTest, RosterPageRoundTrips) {
    RosterPage page{"CASH2023", "", "2", false, {}};
    RosterEntry add;
    add.citizen_id = "A123456789";
    add.nhi_card_no = "000012345678";
    add.amount = 6000;
    add.proxies = {"B223456782"};
    add.claim_by = protocols::ClaimBy::either;
    add.excluded = "paid_by_direct_deposit";
    RosterEntry remove;
    remove.op = RosterOp::remove;
    remove.citizen_id = "B223456782";
    page.entries = {add, remove};
    const auto decoded = RosterPage::fromJson(page.toJson());
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    EXPECT_EQ(decoded->program, "CASH2023");
    EXPECT_EQ(decoded->next_cursor, "2");
    EXPECT_FALSE(decoded->done);
    ASSERT_EQ(decoded->entries.size(), 2U);
    EXPECT_EQ(decoded->entries[0].nhi_card_no, "000012345678");
    EXPECT_EQ(decoded->entries[0].amount, std::optional<std::int64_t>(6000));
    EXPECT_EQ(decoded->entries[0].proxies, std::vector<std::string>{"B223456782"});
    EXPECT_EQ(decoded->entries[0].claim_by, protocols::ClaimBy::either);
    EXPECT_EQ(decoded->entries[0].excluded, std::optional<std::string>("paid_by_direct_deposit"));
    EXPECT_EQ(decoded->entries[1].op, RosterOp::remove);
    EXPECT_FALSE(nlohmann::json::parse(page.toJson())["entries"][1].contains("amount"))
        << "a removal carries only op and citizen_id";
}

TEST(TroadCodecTest, PayoutPageRoundTrips) {
    PayoutPage page{"CASH2023", "0", "1", true, {}};
    page.payouts.push_back(Payout{"A123456789", protocols::Channel::registered_deposit, 6000,
                                  "2023-04-10T09:00:00+08:00", "DD-0001"});
    const auto decoded = PayoutPage::fromJson(page.toJson());
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    ASSERT_EQ(decoded->payouts.size(), 1U);
    EXPECT_EQ(decoded->payouts[0].channel, protocols::Channel::registered_deposit);
    EXPECT_EQ(decoded->payouts[0].payout_id, "DD-0001");
}

TEST(TroadCodecTest, ClaimBatchRoundTripsAndReceiptToo) {
    ClaimBatch batch{"gw1-000042", "gw1", {claim("c_1"), claim("c_2")}};
    const auto body = batch.toJson();
    ASSERT_TRUE(body.ok()) << body.status().message();
    const auto decoded = ClaimBatch::fromJson(body.value());
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    EXPECT_EQ(decoded->batch_id, "gw1-000042");
    ASSERT_EQ(decoded->claims.size(), 2U);
    EXPECT_EQ(decoded->claims[1].claim_id, "c_2");
    EXPECT_EQ(decoded->claims[1].operator_id, "BANK004");
    EXPECT_EQ(decoded->toJson().value(), body.value()) << "canonical: same batch, same bytes";

    const ClaimBatchReceipt receipt{"gw1-000042", 2, "2023-04-10T10:00:00.000+08:00",
                                    std::string(64, 'f')};
    const auto read = ClaimBatchReceipt::fromJson(receipt.toJson());
    ASSERT_TRUE(read.ok()) << read.status().message();
    EXPECT_EQ(read->accepted, 2);
}

TEST(TroadCodecTest, BatchDecoderRefusesPlaintextIdsAndBadClaims) {
    const ClaimBatch batch{"b1", "gw1", {claim("c_1")}};
    nlohmann::json body = nlohmann::json::parse(batch.toJson().value());
    body["claims"][0]["citizen_id"] = "A123456789";
    const auto plaintext = ClaimBatch::fromJson(body.dump());
    ASSERT_FALSE(plaintext.ok());
    EXPECT_TRUE(plaintext.status().detail().value("plaintext", false));
    EXPECT_EQ(plaintext.status().message().find("A123456789"), std::string::npos)
        << "the error never repeats the ID";

    body["claims"][0].erase("citizen_id");
    body["claims"][0]["citizen_key"] = "A123456789";
    EXPECT_EQ(ClaimBatch::fromJson(body.dump()).status().code(), ErrorCode::bad_field);
    body["claims"] = nlohmann::json::array();
    EXPECT_EQ(ClaimBatch::fromJson(body.dump()).status().code(), ErrorCode::body_too_large);
    EXPECT_EQ(ClaimBatch::fromJson("{").status().code(), ErrorCode::malformed_json);
}

}  // namespace
}  // namespace claimgate::troad
