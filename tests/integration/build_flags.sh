# A user's CFLAGS, LDFLAGS and LDLIBS add to the project's flags and never
# replace them: `make CFLAGS=-O1` still compiles with -std=c11, -Werror, the
# include paths and pkg-config's flags (and, with SAN=1, the sanitizers), and
# the user's flag comes last so that it wins. Built into a scratch OUT so the
# tree's own build/ and build-san/ are not touched.
. "$(dirname "$0")/common.bash"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# A real compile: without -Isrc, "core/event.h" cannot be found.
make --no-print-directory OUT="$scratch/o1" CFLAGS=-O1 "$scratch/o1/obj/core/event.o" >"$scratch/log" 2>&1 ||
	{ cat "$scratch/log"; fail "make CFLAGS=-O1 could not compile src/core/event.c"; }

cc_line() { # the compiler's command line for one object, as make would run it
	make --no-print-directory -n -B "$@" | grep -- '-c src/core/event.c' | head -1
}
line=$(cc_line OUT="$scratch/o1" CFLAGS=-O1 "$scratch/o1/obj/core/event.o")
echo "make CFLAGS=-O1: $line"
for flag in -std=c11 -Werror -Wall -Isrc "-I$scratch/o1" -I/usr/include/json-c -DTCPLAB_DATADIR; do
	grep -q -- "$flag" <<<"$line" || fail "make CFLAGS=-O1 dropped the project's $flag"
done
last_opt=$(grep -o -- ' -O[0-3s]' <<<"$line" | tail -1)
[ "$last_opt" = " -O1" ] || fail "the user's -O1 is not the last optimisation flag (last: '$last_opt')"

# The same through the environment, and with the sanitizer build.
line=$(CFLAGS=-O1 cc_line SAN=1 OUT="$scratch/san" "$scratch/san/obj/core/event.o")
echo "CFLAGS=-O1 make SAN=1: $line"
for flag in -std=c11 -Werror -fsanitize=address,undefined -DTL_ASSERTS; do
	grep -q -- "$flag" <<<"$line" || fail "CFLAGS=-O1 make SAN=1 dropped the project's $flag"
done

# Through a sub-make (make check builds with SAN=1 in a second make): the
# project's flags appear once and the user's flag still last. An exported
# CFLAGS must carry the user's value only, not the first make's whole line.
line=$(CFLAGS=-O1 make --no-print-directory -n -B OUT="$scratch/o1" check | grep -- '-c src/core/event.c' | head -1)
echo "CFLAGS=-O1 make check: $line"
[ "$(grep -o -- '-std=c11' <<<"$line" | wc -l)" = 1 ] || fail "make check repeats the project's flags: $line"
[ "$(grep -o -- "-I$scratch/o1 " <<<"$line" | wc -l)" = 1 ] || fail "make check repeats the include path: $line"
grep -q -- '-fsanitize=address,undefined' <<<"$line" || fail "make check's compile lacks the sanitizers"
[ "$(grep -o -- ' -O[0-3s]' <<<"$line" | tail -1)" = " -O1" ] || fail "make check: the user's -O1 is not last"

# Linking: the user's LDFLAGS and LDLIBS come after the sanitizers and pkg-config's libraries.
link=$(make --no-print-directory -n -B SAN=1 OUT="$scratch/san" LDFLAGS=-L/nonexistent LDLIBS=-ldl \
	"$scratch/san/tcplab" | grep -- "-o $scratch/san/tcplab" | head -1)
echo "link: $link"
for flag in -fsanitize=address,undefined -L/nonexistent -lbpf -lpcap -lpthread -ldl; do
	grep -q -- "$flag" <<<"$link" || fail "make LDFLAGS=... LDLIBS=... dropped $flag from the link"
done
echo "user flags add to the project's"
