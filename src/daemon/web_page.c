/* web_page: the status page (web/index.html) built into the binary, so the
 * daemon serves it with no file to install. The assembler reads the file;
 * the Makefile makes this object depend on it. */
__asm__(".section .rodata.web_page,\"a\"\n"
	".global web_page_html\n"
	"web_page_html:\n"
	".incbin \"src/daemon/web/index.html\"\n"
	".global web_page_html_end\n"
	"web_page_html_end:\n"
	".byte 0\n"
	".previous\n");
