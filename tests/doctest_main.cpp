// tests/doctest_main.cpp — the one doctest main shared by the unit test binaries.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
