// SPDX-License-Identifier: MIT
/*
 * The register dump printed when a vCPU fails: general registers,
 * segments and control registers, bounded to the caller's buffer.
 */
#include <stdarg.h>
#include <stdio.h>

#include "vmm/kvm/vcpu_dump.h"

/* Append to @buf at *@pos, never past @len. */
static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos = MIN(len, *pos + (size_t)n);
}

#define X(v) ((unsigned long long)(v))

static void put_seg(char *buf, size_t len, size_t *pos, const char *name,
		    const struct kvm_segment *g)
{
	put(buf, len, pos,
	    "%-3s=%04x base=%016llx limit=%08x type=%x s=%u dpl=%u p=%u db=%u l=%u g=%u%s\n",
	    name, g->selector, X(g->base), g->limit, g->type, g->s, g->dpl,
	    g->present, g->db, g->l, g->g, g->unusable ? " unusable" : "");
}

void vcpu_format_regs(char *buf, size_t len, const struct kvm_regs *r,
		      const struct kvm_sregs *s)
{
	size_t pos = 0;

	if (len)
		buf[0] = '\0';
	put(buf, len, &pos, "RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n",
	    X(r->rax), X(r->rbx), X(r->rcx), X(r->rdx));
	put(buf, len, &pos, "RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n",
	    X(r->rsi), X(r->rdi), X(r->rbp), X(r->rsp));
	put(buf, len, &pos, "R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n",
	    X(r->r8), X(r->r9), X(r->r10), X(r->r11));
	put(buf, len, &pos, "R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n",
	    X(r->r12), X(r->r13), X(r->r14), X(r->r15));
	put(buf, len, &pos, "RIP=%016llx RFLAGS=%08llx\n", X(r->rip),
	    X(r->rflags));
	put_seg(buf, len, &pos, "CS", &s->cs);
	put_seg(buf, len, &pos, "DS", &s->ds);
	put_seg(buf, len, &pos, "ES", &s->es);
	put_seg(buf, len, &pos, "FS", &s->fs);
	put_seg(buf, len, &pos, "GS", &s->gs);
	put_seg(buf, len, &pos, "SS", &s->ss);
	put_seg(buf, len, &pos, "TR", &s->tr);
	put_seg(buf, len, &pos, "LDT", &s->ldt);
	put(buf, len, &pos, "GDT=%016llx/%04x IDT=%016llx/%04x\n",
	    X(s->gdt.base), s->gdt.limit, X(s->idt.base), s->idt.limit);
	put(buf, len, &pos,
	    "CR0=%08llx CR2=%016llx CR3=%016llx CR4=%08llx CR8=%llx\n",
	    X(s->cr0), X(s->cr2), X(s->cr3), X(s->cr4), X(s->cr8));
	put(buf, len, &pos, "EFER=%08llx APIC_BASE=%016llx\n", X(s->efer),
	    X(s->apic_base));
}
