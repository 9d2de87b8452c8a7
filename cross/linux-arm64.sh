# Target linux-arm64 (aarch64): the daemon (NativeAOT) and native/. Sourced by build.sh and the tests.
# clang links the daemon against the cross gcc's sysroot; qemu-user runs the result (docs/cross.md).
CROSS_TRIPLE=aarch64-linux-gnu
CROSS_RID=linux-arm64                 # .NET runtime identifier: this target gets the daemon
CROSS_DEB_ARCH=arm64                  # Debian architecture, for `apt-get download PKG:arm64` (image, board)
CROSS_SYSROOT=/usr/aarch64-linux-gnu  # qemu-user's -L, and the libraries the device image carries
CROSS_QEMU=qemu-aarch64
CROSS_CC=aarch64-linux-gnu-gcc
# "test package" pairs: the package is installed when the command (or absolute path) is missing.
# libc6-dev-arm64-cross is only a Recommends of the cross gcc, and --no-install-recommends leaves out
# the crt files, libc and libm it brings.
CROSS_NEEDS=(
  "aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu"
  "/usr/aarch64-linux-gnu/lib/crti.o libc6-dev-arm64-cross"
  "qemu-aarch64 qemu-user"
)
# The emulated board (tests/e2e/board_qemu.sh) and the image's kernel: Debian's cloud arm64 kernel,
# fetched with `apt-get download` (download only: arm64 packages are never installed here).
CROSS_BOARD_NEEDS=(
  "qemu-system-aarch64 qemu-system-arm"
)
CROSS_KERNEL_GLOB='linux-image-6.1.0-*-cloud-arm64'
CROSS_QEMU_MACHINE=(-machine virt -cpu cortex-a53 -smp 2 -m 512)
