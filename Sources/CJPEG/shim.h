// libjpeg-turbo's jpeglib.h expects <stdio.h> (FILE, size_t) to be included first.
#include <stdio.h>
#include <jpeglib.h>
