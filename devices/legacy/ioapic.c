// SPDX-License-Identifier: MIT
/*
 * The 82093AA I/O APIC: the redirection table behind IOREGSEL/IOWIN, line
 * levels, remote IRR, and the MSI route and irqfd each pin is delivered by.
 * See ioapic.h for the model.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/legacy/ioapic.h"
#include "vmm/base/log.h"

#define ID_MASK	  0x0f000000u
#define DEST_MASK (0xffULL << IOAPIC_DEST_SHIFT)
/* What a guest write changes; delivery status and remote IRR are read-only. */
#define REDTBL_WRITABLE                                                       \
	(IOAPIC_VECTOR_MASK | IOAPIC_DELMODE_MASK | IOAPIC_DESTMODE_LOGICAL | \
	 IOAPIC_POLARITY_LOW | IOAPIC_TRIGGER_LEVEL | IOAPIC_MASKED |         \
	 DEST_MASK)

/* warn_once() bits */
#define WARN_ROUTE  (1u << 0)
#define WARN_IRQFD  (1u << 1)
#define WARN_SEND   (1u << 2)
#define WARN_ACCESS (1u << 3)

void ioapic_init(struct ioapic *io, u8 id, const struct irq_ctl *out)
{
	unsigned int pin;

	memset(io, 0, sizeof(*io));
	pthread_mutex_init(&io->lock, NULL);
	io->out = out;
	io->s.id = ((u32)id << 24) & ID_MASK;
	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		io->s.redtbl[pin] = IOAPIC_MASKED;
		io->irqfd[pin] = -1;
	}
}

void ioapic_destroy(struct ioapic *io)
{
	unsigned int pin;

	for (pin = 0; pin < IOAPIC_PINS; pin++)
		if (io->irqfd[pin] >= 0)
			close(io->irqfd[pin]);
	pthread_mutex_destroy(&io->lock);
}

void ioapic_entry_msi(u64 e, u64 *addr, u32 *data)
{
	u32 mode = (e & IOAPIC_DELMODE_MASK) >> IOAPIC_DELMODE_SHIFT;

	*addr = MSI_ADDR_BASE | (e >> IOAPIC_DEST_SHIFT) << MSI_ADDR_DEST_SHIFT;
	if (e & IOAPIC_DESTMODE_LOGICAL)
		*addr |= MSI_ADDR_DEST_LOGICAL;
	/* Lowest priority picks one CPU of the destination set. */
	if (mode == IOAPIC_DELMODE_LOWEST)
		*addr |= MSI_ADDR_REDIR_HINT;
	*data = (u32)(e & IOAPIC_VECTOR_MASK) | mode << IOAPIC_DELMODE_SHIFT;
	/*
	 * The trigger bit is what makes KVM's LAPIC report the EOI of this
	 * vector to us (KVM_EXIT_IOAPIC_EOI): it scans the routes of GSIs
	 * below the split irqchip's pin count for level-triggered messages.
	 */
	if (e & IOAPIC_TRIGGER_LEVEL)
		*data |= MSI_DATA_TRIGGER_LEVEL | MSI_DATA_LEVEL_ASSERT;
}

/* An eventfd that KVM turns into the pin's GSI; made on first need. */
static void pin_connect(struct ioapic *io, u32 pin)
{
	int efd, ret;

	if (io->irqfd[pin] >= 0)
		return;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0) {
		ret = -errno;
	} else {
		ret = io->out->ops->irqfd(io->out->opaque, efd, pin, true);
		if (ret)
			close(efd);
		else
			io->irqfd[pin] = efd;
	}
	if (ret && warn_once(&io->warned, WARN_IRQFD))
		pr_warn("ioapic: pin %u gets no irqfd, its interrupts are lost: %s",
			pin, strerror(-ret));
}

/*
 * Point the pin's GSI at the message its entry sends, if that changed.
 * A masked pin sends nothing: its route waits for the unmask. Each route
 * change costs KVM an SRCU grace period (KVM_SET_GSI_ROUTING), a
 * millisecond or more on a busy host, and Linux writes every pin masked
 * at boot; a restore finds most pins masked too.
 */
static void update_route(struct ioapic *io, u32 pin)
{
	u64 e = io->s.redtbl[pin], addr;
	bool routed = io->irqfd[pin] >= 0;
	u32 data;
	int ret;

	if (e & IOAPIC_MASKED)
		return;
	ioapic_entry_msi(e, &addr, &data);
	if (routed && addr == io->route_addr[pin] &&
	    data == io->route_data[pin])
		return;
	ret = io->out->ops->msi_route(io->out->opaque, pin, addr, data);
	if (ret) {
		if (warn_once(&io->warned, WARN_ROUTE))
			pr_warn("ioapic: pin %u: cannot set its MSI route: %s",
				pin, strerror(-ret));
		return;
	}
	io->route_addr[pin] = addr;
	io->route_data[pin] = data;
	pin_connect(io, pin);
}

void ioapic_name_pin(struct ioapic *io, u32 pin, const char *name)
{
	if (pin < IOAPIC_PINS)
		io->pin_name[pin] = name;
}

static const char *pin_name(const struct ioapic *io, u32 pin)
{
	return io->pin_name[pin] ? io->pin_name[pin] : "?";
}

static void send(struct ioapic *io, u32 pin)
{
	u64 one = 1, e = io->s.redtbl[pin];

	if (io->irqfd[pin] < 0 ||
	    write(io->irqfd[pin], &one, sizeof(one)) != sizeof(one)) {
		if (warn_once(&io->warned, WARN_SEND))
			pr_warn("ioapic: pin %u: interrupt lost (no irqfd)",
				pin);
		return;
	}
	io->delivered++;
	io->sent[pin]++;
	io->sent_vector[pin] = e & IOAPIC_VECTOR_MASK;
	trace_event(io->trace, TRACE_IRQ, "msi", __FILE__,
		    "ioapic pin %u (%s) sends vector 0x%02llx to APIC %llu, "
		    "%s: its irqfd (GSI %u), KVM injects it",
		    pin, pin_name(io, pin),
		    (unsigned long long)(e & IOAPIC_VECTOR_MASK),
		    (unsigned long long)(e >> IOAPIC_DEST_SHIFT),
		    e & IOAPIC_TRIGGER_LEVEL ? "level" : "edge", pin);
}

/* A level pin sends while asserted, unmasked and not awaiting its EOI. */
static void service_level(struct ioapic *io, u32 pin)
{
	u64 *e = &io->s.redtbl[pin];

	if (!(*e & IOAPIC_TRIGGER_LEVEL) ||
	    (*e & (IOAPIC_MASKED | IOAPIC_REMOTE_IRR)) ||
	    !(io->s.lines & (1u << pin)))
		return;
	*e |= IOAPIC_REMOTE_IRR;
	send(io, pin);
}

int ioapic_set_line(struct ioapic *io, u32 pin, int level)
{
	u32 bit = 1u << pin;
	bool rising;
	u64 e;

	if (pin >= IOAPIC_PINS)
		return -EINVAL;
	pthread_mutex_lock(&io->lock);
	rising = level && !(io->s.lines & bit);
	if (trace_on(io->trace, TRACE_IRQ) && !!level != !!(io->s.lines & bit))
		trace_event(io->trace, TRACE_IRQ, "line", __FILE__,
			    "ioapic pin %u (%s) %s%s", pin, pin_name(io, pin),
			    level ? "raised" : "lowered",
			    io->s.redtbl[pin] & IOAPIC_MASKED ? " (masked)" :
								"");
	if (level)
		io->s.lines |= bit;
	else
		io->s.lines &= ~bit;
	e = io->s.redtbl[pin];
	if (e & IOAPIC_TRIGGER_LEVEL)
		service_level(io, pin);
	else if (rising && !(e & IOAPIC_MASKED))
		send(io, pin);
	pthread_mutex_unlock(&io->lock);
	return 0;
}

static int ioapic_irq_set_line(void *opaque, u32 gsi, int level)
{
	return ioapic_set_line(opaque, gsi, level);
}

const struct irq_ops ioapic_irq_ops = {
	.set_line = ioapic_irq_set_line,
};

void ioapic_eoi(struct ioapic *io, u32 vector)
{
	unsigned int pin;

	pthread_mutex_lock(&io->lock);
	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		u64 *e = &io->s.redtbl[pin];

		if ((*e & IOAPIC_VECTOR_MASK) != vector ||
		    !(*e & IOAPIC_REMOTE_IRR))
			continue;
		*e &= ~IOAPIC_REMOTE_IRR;
		service_level(io, pin);
	}
	pthread_mutex_unlock(&io->lock);
}

void ioapic_save(struct ioapic *io, struct ioapic_state *out)
{
	pthread_mutex_lock(&io->lock);
	*out = io->s;
	pthread_mutex_unlock(&io->lock);
}

void ioapic_restore(struct ioapic *io, const struct ioapic_state *in)
{
	unsigned int pin;

	pthread_mutex_lock(&io->lock);
	io->s = *in;
	io->s.id &= ID_MASK;
	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		io->s.redtbl[pin] &= REDTBL_WRITABLE | IOAPIC_REMOTE_IRR;
		update_route(io, pin);
	}
	pthread_mutex_unlock(&io->lock);
}

void ioapic_resend(struct ioapic *io)
{
	unsigned int pin;

	pthread_mutex_lock(&io->lock);
	for (pin = 0; pin < IOAPIC_PINS; pin++)
		service_level(io, pin);
	pthread_mutex_unlock(&io->lock);
}

static void write_redtbl(struct ioapic *io, u32 pin, bool high, u32 val)
{
	u64 old = io->s.redtbl[pin], e;

	if (high)
		e = (old & 0xffffffffULL) | (u64)val << 32;
	else
		e = (old & ~0xffffffffULL) | val;
	e = (e & REDTBL_WRITABLE) | (old & IOAPIC_REMOTE_IRR);
	/* An edge pin has no remote IRR: Linux's EOI for this chip. */
	if (!(e & IOAPIC_TRIGGER_LEVEL))
		e &= ~IOAPIC_REMOTE_IRR;
	io->s.redtbl[pin] = e;
	update_route(io, pin);
	/* Unmasked, or made level, while the line is asserted. */
	service_level(io, pin);
}

static u32 read_reg(const struct ioapic *io, u32 reg)
{
	u64 e;

	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return io->s.id;
	case IOAPIC_REG_VER:
		return IOAPIC_VERSION | (IOAPIC_PINS - 1) << 16;
	}
	if (reg < IOAPIC_REG_REDTBL ||
	    reg >= IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS)
		return 0;
	e = io->s.redtbl[(reg - IOAPIC_REG_REDTBL) / 2];
	return reg & 1 ? (u32)(e >> 32) : (u32)e;
}

static void write_reg(struct ioapic *io, u32 reg, u32 val)
{
	if (reg == IOAPIC_REG_ID)
		io->s.id = val & ID_MASK;
	else if (reg >= IOAPIC_REG_REDTBL &&
		 reg < IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS)
		write_redtbl(io, (reg - IOAPIC_REG_REDTBL) / 2, reg & 1, val);
	/* version, arbitration and unused indexes are read-only */
}

/* Any width at any offset reads the bytes of IOREGSEL or IOWIN there. */
static void ioapic_mmio_read(void *opaque, u64 off, void *data, u32 len)
{
	struct ioapic *io = opaque;
	u64 val = 0;

	pthread_mutex_lock(&io->lock);
	if (off < 4)
		val = io->s.regsel;
	else if (off >= IOAPIC_IOWIN && off < IOAPIC_IOWIN + 4)
		val = read_reg(io, io->s.regsel);
	pthread_mutex_unlock(&io->lock);
	val >>= 8 * (off & 3);
	memset(data, 0, len);
	memcpy(data, &val, MIN(len, (u32)sizeof(val)));
}

static void ioapic_mmio_write(void *opaque, u64 off, const void *data, u32 len)
{
	struct ioapic *io = opaque;
	u32 val = 0;

	memcpy(&val, data, MIN(len, (u32)sizeof(val)));
	pthread_mutex_lock(&io->lock);
	if (off == IOAPIC_IOREGSEL) {
		io->s.regsel = val & 0xff;
	} else if (off == IOAPIC_IOWIN && len >= 4) {
		write_reg(io, io->s.regsel, val);
	} else if (warn_once(&io->warned, WARN_ACCESS)) {
		pr_warn("ioapic: ignored a %u-byte write at offset %#llx", len,
			(unsigned long long)off);
	}
	pthread_mutex_unlock(&io->lock);
}

static const char *const delmode_name[8] = {
	"fixed", "lowest priority", "SMI", "?", "NMI", "INIT", "?", "ExtINT",
};

/* A redirection entry half in words: "vector 0x30 fixed edge unmasked". */
static void describe_redtbl(struct trace_note *n, u32 pin, bool high, u32 v)
{
	note_printf(n, " (REDTBL[%u] %s", pin, high ? "high" : "low");
	if (high)
		note_printf(n, ": destination APIC %u)", v >> 24);
	else
		note_printf(n, ": vector 0x%02x, %s, %s, %s)", v & 0xff,
			    delmode_name[(v >> IOAPIC_DELMODE_SHIFT) & 7],
			    v & IOAPIC_TRIGGER_LEVEL ? "level" : "edge",
			    v & IOAPIC_MASKED ? "masked" : "unmasked");
}

static void ioapic_describe(void *opaque, const struct io_access *a,
			    struct trace_note *n)
{
	struct ioapic *io = opaque;
	u32 reg = a->off == IOAPIC_IOREGSEL ?
			  (u32)a->val & 0xff :
			  __atomic_load_n(&io->s.regsel, __ATOMIC_RELAXED);
	bool redtbl = reg >= IOAPIC_REG_REDTBL &&
		      reg < IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS;

	n->cls = TRACE_IRQ;
	note_printf(n, "ioapic.%s %s 0x%llx",
		    a->off == IOAPIC_IOREGSEL ? "IOREGSEL" :
		    a->off == IOAPIC_IOWIN    ? "IOWIN" :
						"reserved",
		    a->write ? "<-" : "->", (unsigned long long)a->val);
	if (a->off != IOAPIC_IOREGSEL && a->off != IOAPIC_IOWIN)
		return;
	if (redtbl && a->off == IOAPIC_IOWIN)
		describe_redtbl(n, (reg - IOAPIC_REG_REDTBL) / 2, reg & 1,
				a->val);
	else if (redtbl)
		note_printf(n, " (selects REDTBL[%u] %s)",
			    (reg - IOAPIC_REG_REDTBL) / 2,
			    reg & 1 ? "high" : "low");
	else
		note_printf(n, " (%s)",
			    reg == IOAPIC_REG_ID  ? "IOAPICID" :
			    reg == IOAPIC_REG_VER ? "IOAPICVER" :
			    reg == IOAPIC_REG_ARB ? "IOAPICARB" :
						    "unused");
}

static const struct io_desc ioapic_desc = {
	.file = __FILE__,
	.trace_class = TRACE_IRQ,
	.name = "ioapic",
	.describe = ioapic_describe,
};

static const struct io_ops ioapic_ops = {
	.read = ioapic_mmio_read,
	.write = ioapic_mmio_write,
	.desc = &ioapic_desc,
};

int ioapic_register(struct ioapic *io, struct bus *mmio, u64 base)
{
	return bus_register(mmio, base, IOAPIC_MMIO_SIZE, &ioapic_ops, io);
}
