# Target mipsel (32-bit MIPS, little endian, o32): native/ only. .NET has no MIPS target at all.
CROSS_TRIPLE=mipsel-linux-gnu
CROSS_RID=                            # none: see docs/cross.md
CROSS_DEB_ARCH=mipsel
CROSS_SYSROOT=/usr/mipsel-linux-gnu
CROSS_QEMU=qemu-mipsel
CROSS_CC=mipsel-linux-gnu-gcc
CROSS_NEEDS=(
  "mipsel-linux-gnu-gcc gcc-mipsel-linux-gnu"
  "/usr/mipsel-linux-gnu/lib/crti.o libc6-dev-mipsel-cross"
  "qemu-mipsel qemu-user"
)
