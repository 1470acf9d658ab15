#include <claimgate/recon/claim_index.hpp>
#include <claimgate/recon/limits.hpp>

#include <gtest/gtest.h>

#include <string>
#include <unordered_map>

namespace claimgate::recon {
namespace {

TEST(ClaimIndexTest, InsertsOnceAndFindsAgain) {
    ClaimIndex index(4);
    const auto [first, inserted] = index.insert("c_abc");
    EXPECT_TRUE(inserted);
    EXPECT_EQ(first, 0U);
    const auto [again, inserted_again] = index.insert("c_abc");
    EXPECT_FALSE(inserted_again);
    EXPECT_EQ(again, 0U);
    EXPECT_EQ(index.find("c_abc"), 0U);
    EXPECT_EQ(index.find("c_abd"), ClaimIndex::kNotFound);
}

TEST(ClaimIndexTest, GrowsPastItsEstimateAndKeepsEveryKey) {
    ClaimIndex index(16);  // far too small: forces several rehashes
    std::unordered_map<std::string, std::uint32_t> expected;
    for (std::uint32_t i = 0; i < 200'000; ++i) {
        const std::string key = "c_" + std::to_string(i * 7919U);
        const auto [position, inserted] = index.insert(key);
        ASSERT_TRUE(inserted);
        expected[key] = position;
    }
    EXPECT_EQ(index.size(), 200'000U);
    for (const auto& [key, position] : expected) {
        ASSERT_EQ(index.find(key), position);
    }
    EXPECT_EQ(index.find("c_missing"), ClaimIndex::kNotFound);
}

TEST(ClaimIndexTest, KeysAreOpaqueBytesUpToTheLimit) {
    ClaimIndex index(8);
    const std::string longest(kClaimIdLengthMax, '\xff');
    const std::string with_nul("a\0b", 3);
    const std::string prefix_of_longest(kClaimIdLengthMax - 1, '\xff');
    EXPECT_TRUE(index.insert(longest).second);
    EXPECT_TRUE(index.insert(with_nul).second);
    EXPECT_TRUE(index.insert(prefix_of_longest).second);
    EXPECT_TRUE(index.insert("a").second);
    EXPECT_EQ(index.find(longest), 0U);
    EXPECT_EQ(index.find(with_nul), 1U);
    EXPECT_EQ(index.find(prefix_of_longest), 2U);
    EXPECT_EQ(index.find(std::string_view("a\0c", 3)), ClaimIndex::kNotFound);
    EXPECT_NE(index.find(prefix_of_longest), index.find(longest));
}

TEST(ClaimIndexTest, BatchedLookupAgreesWithFind) {
    ClaimIndex index(8);
    for (int i = 0; i < 5000; ++i) {
        (void)index.insert("c_" + std::to_string(i));
    }
    for (int i = 0; i < 6000; ++i) {
        const std::string key = "c_" + std::to_string(i);
        const std::uint64_t hashed = ClaimIndex::hash(key);
        index.prefetch(hashed);
        const std::uint64_t candidate = index.candidate(hashed);
        index.prefetchRecord(candidate);
        ASSERT_EQ(index.confirm(candidate, key, hashed), index.find(key)) << key;
        ASSERT_EQ(index.find(key) == ClaimIndex::kNotFound, i >= 5000);
    }
}

TEST(ClaimIndexTest, HashDependsOnEveryByte) {
    const std::string base = "c_aaaaaaaaaaaaaaaaaaaaaaaa";
    for (std::size_t i = 0; i < base.size(); ++i) {
        std::string changed = base;
        changed[i] = 'b';
        EXPECT_NE(ClaimIndex::hash(changed), ClaimIndex::hash(base)) << i;
    }
}

}  // namespace
}  // namespace claimgate::recon
