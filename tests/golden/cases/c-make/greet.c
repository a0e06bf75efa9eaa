#include <stdio.h>
#include <unistd.h>

int main(void) {
    puts("greet: up");
    fflush(stdout);
    for (;;) pause();
}
