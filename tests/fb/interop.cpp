// interop.cpp - the flatc C++ side of the interop tests. "check FILE"
// verifies FILE with flatbuffers::Verifier (given its exact length) and
// compares every field with the reference Animal; "write FILE" builds the
// reference Animal with the C++ builder; "bfbs FILE" verifies a binary
// schema with flatc's reflection verifier; "check-sp" and "write-sp" do
// the same with a size prefix; "verify BFBS FILE" verifies FILE against
// any schema, given as a binary schema, with flatc's reflection verifier.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "flatbuffers/reflection.h"
#include "flatbuffers/reflection_generated.h"
#include "zoo_generated.h"

#define EXPECT(cond)                                                                   \
	do {                                                                           \
		if (!(cond)) {                                                         \
			std::fprintf(stderr, "interop_cpp: %s differs\n", #cond);      \
			return 1;                                                      \
		}                                                                      \
	} while (0)

static int check_fields(const zoo::Animal *a)
{
	EXPECT(a->name()->str() == "Rex");
	EXPECT(a->kind() == zoo::Kind_Bird);
	EXPECT(a->colors() == (zoo::Color_Green | zoo::Color_Blue));
	EXPECT(a->age() == 12);
	EXPECT(a->weight() == 31.5f);
	EXPECT(a->legs().has_value() && *a->legs() == 4);
	EXPECT(!a->alive());
	EXPECT(a->pos()->x() == 0.5f && a->pos()->y() == -1.25f && a->pos()->z() == 3);
	EXPECT(a->al()->a() == -3 && a->al()->v().y() == -1.25f && a->al()->d() == 2.25);
	EXPECT(a->grid()->cells()->Get(0) == 1 && a->grid()->cells()->Get(3) == -4);
	EXPECT(a->grid()->tag() == 200 && a->grid()->pts()->Get(1)->y() == 5.5f);
	EXPECT(a->tags()->size() == 2);
	EXPECT(a->tags()->Get(0)->name()->str() == "a" && a->tags()->Get(0)->weight() == 1);
	EXPECT(a->tags()->Get(1)->name()->str() == "b" && a->tags()->Get(1)->weight() == 7);
	EXPECT(a->names()->size() == 2 && a->names()->Get(1)->str() == "yz");
	EXPECT(a->scores()->size() == 3 && a->scores()->Get(1) == -2 &&
	       a->scores()->Get(2) == (int64_t(1) << 40));
	EXPECT(a->path()->size() == 2 && a->path()->Get(1)->x() == -4);
	EXPECT(a->empty_d() && a->empty_d()->size() == 0);
	EXPECT(a->home_type() == zoo::Home_Cage);
	EXPECT(a->home_as_Cage()->id() == 5 && a->home_as_Cage()->size() == 2.0);
	EXPECT(a->note()->text()->str() == "hi" && a->note()->level() == -2);
	EXPECT(a->big() == 42 && a->small() == -7 && a->inf_d() == -0.5);
	EXPECT(a->payload_nested_root()->name()->str() == "inner");
	EXPECT(a->payload_nested_root()->weight() == 99);
	EXPECT(a->friend_()->name()->str() == "Pal");
	EXPECT(!a->friend_()->legs().has_value() && std::isinf(a->friend_()->inf_d()));
	EXPECT(a->friend_()->big() == UINT64_MAX && a->friend_()->alive());
	EXPECT(a->kinds()->size() == 2 && a->kinds()->Get(1) == zoo::Kind_Bird);
	EXPECT(a->flag());
	return 0;
}

static int check(const std::vector<uint8_t> &buf)
{
	flatbuffers::Verifier v(buf.data(), buf.size());
	EXPECT(zoo::VerifyAnimalBuffer(v));
	EXPECT(zoo::AnimalBufferHasIdentifier(buf.data()));
	return check_fields(zoo::GetAnimal(buf.data()));
}

static std::vector<uint8_t> build(bool size_prefixed)
{
	flatbuffers::FlatBufferBuilder inner;
	inner.Finish(zoo::CreateTag(inner, inner.CreateString("inner"), 99));

	flatbuffers::FlatBufferBuilder fbb;
	auto payload = fbb.CreateVector(inner.GetBufferPointer(), inner.GetSize());
	std::vector<flatbuffers::Offset<zoo::Tag>> tags;
	tags.push_back(zoo::CreateTag(fbb, fbb.CreateString("a"), 1));
	tags.push_back(zoo::CreateTag(fbb, fbb.CreateString("b"), 7));
	auto tv = fbb.CreateVector(tags);
	std::vector<flatbuffers::Offset<flatbuffers::String>> names = {fbb.CreateString("x"),
								       fbb.CreateString("yz")};
	auto nv = fbb.CreateVector(names);
	auto home = zoo::CreateCage(fbb, 5, 2.0);
	auto note = zoo::common::CreateNote(fbb, fbb.CreateString("hi"));
	auto pal = zoo::CreateAnimal(fbb, fbb.CreateString("Pal"));
	std::vector<int64_t> scores = {1, -2, int64_t(1) << 40};
	std::vector<zoo::Vec3> path = {zoo::Vec3(1, 2, 3), zoo::Vec3(-4, 5.5f, 6)};
	std::vector<double> empty;
	std::vector<int16_t> kinds = {zoo::Kind_Cat, zoo::Kind_Bird};
	auto sv = fbb.CreateVector(scores);
	auto pv = fbb.CreateVectorOfStructs(path);
	auto ev = fbb.CreateVector(empty);
	auto kv = fbb.CreateVector(kinds);
	auto name = fbb.CreateString("Rex");
	zoo::Vec3 pos(0.5f, -1.25f, 3);
	zoo::Aligned al(-3, pos, 2.25);
	zoo::Grid grid;
	grid.mutable_cells()->Mutate(0, 1);
	grid.mutable_cells()->Mutate(3, -4);
	grid.mutate_tag(200);
	grid.mutable_pts()->Mutate(1, zoo::Vec3(-4, 5.5f, 6));
	zoo::AnimalBuilder ab(fbb);
	ab.add_name(name);
	ab.add_kind(zoo::Kind_Bird);
	ab.add_colors(zoo::Color(zoo::Color_Green | zoo::Color_Blue));
	ab.add_age(12);
	ab.add_weight(31.5f);
	ab.add_legs(4);
	ab.add_alive(false);
	ab.add_pos(&pos);
	ab.add_al(&al);
	ab.add_grid(&grid);
	ab.add_tags(tv);
	ab.add_names(nv);
	ab.add_scores(sv);
	ab.add_path(pv);
	ab.add_empty_d(ev);
	ab.add_home_type(zoo::Home_Cage);
	ab.add_home(home.Union());
	ab.add_note(note);
	ab.add_big(42);
	ab.add_small(-7);
	ab.add_inf_d(-0.5);
	ab.add_payload(payload);
	ab.add_friend_(pal);
	ab.add_kinds(kv);
	ab.add_flag(true);
	if (size_prefixed)
		zoo::FinishSizePrefixedAnimalBuffer(fbb, ab.Finish());
	else
		zoo::FinishAnimalBuffer(fbb, ab.Finish());
	return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

static std::vector<uint8_t> slurp(const char *path)
{
	std::ifstream f(path, std::ios::binary);
	return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)),
				    std::istreambuf_iterator<char>());
}

int main(int argc, char **argv)
{
	if (argc == 4 && std::strcmp(argv[1], "verify") == 0) {
		std::vector<uint8_t> bfbs = slurp(argv[2]), buf = slurp(argv[3]);
		EXPECT(!bfbs.empty() && !buf.empty());
		flatbuffers::Verifier sv(bfbs.data(), bfbs.size());
		EXPECT(reflection::VerifySchemaBuffer(sv));
		const reflection::Schema *schema = reflection::GetSchema(bfbs.data());
		EXPECT(schema->root_table() != nullptr);
		EXPECT(flatbuffers::Verify(*schema, *schema->root_table(), buf.data(), buf.size()));
		return 0;
	}
	if (argc != 3)
		return 2;
	if (std::strcmp(argv[1], "check") == 0) {
		std::ifstream f(argv[2], std::ios::binary);
		std::vector<uint8_t> buf((std::istreambuf_iterator<char>(f)),
					 std::istreambuf_iterator<char>());
		return check(buf);
	}
	if (std::strcmp(argv[1], "check-sp") == 0) {
		// size-prefixed: the C++ Verifier is given exactly prefix + 4 bytes
		std::ifstream f(argv[2], std::ios::binary);
		std::vector<uint8_t> buf((std::istreambuf_iterator<char>(f)),
					 std::istreambuf_iterator<char>());
		flatbuffers::Verifier v(buf.data(), buf.size());
		EXPECT(buf.size() == flatbuffers::GetPrefixedSize(buf.data()) + 4);
		EXPECT(zoo::VerifySizePrefixedAnimalBuffer(v));
		return check_fields(zoo::GetSizePrefixedAnimal(buf.data()));
	}
	if (std::strcmp(argv[1], "bfbs") == 0) {
		// a binary schema: flatc's reflection verifier accepts it
		std::ifstream f(argv[2], std::ios::binary);
		std::vector<uint8_t> buf((std::istreambuf_iterator<char>(f)),
					 std::istreambuf_iterator<char>());
		flatbuffers::Verifier v(buf.data(), buf.size());
		EXPECT(reflection::VerifySchemaBuffer(v));
		EXPECT(reflection::GetSchema(buf.data())->objects()->size() > 0);
		return 0;
	}
	if (std::strcmp(argv[1], "write") == 0 || std::strcmp(argv[1], "write-sp") == 0) {
		std::vector<uint8_t> buf = build(std::strcmp(argv[1], "write-sp") == 0);
		std::ofstream f(argv[2], std::ios::binary);
		f.write(reinterpret_cast<const char *>(buf.data()), std::streamsize(buf.size()));
		return f ? 0 : 1;
	}
	return 2;
}
