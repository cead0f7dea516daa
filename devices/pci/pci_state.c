// SPDX-License-Identifier: MIT
/*
 * PCI configuration space for snapshots: what the guest wrote is saved as
 * the bytes of cfg[]; on restore the bytes the guest cannot write must be
 * this function's own (identity, capabilities), and the BARs are mapped
 * where the guest had put them.
 */
#include <errno.h>
#include <string.h>

#include "devices/pci/pci.h"

static bool same_fixed_bits(const struct pci_dev *pd,
			    const u8 cfg[PCI_CFG_SIZE])
{
	u32 i;

	for (i = 0; i < PCI_CFG_SIZE; i++)
		if ((cfg[i] ^ pd->cfg[i]) & ~pd->wmask[i])
			return false;
	return true;
}

void pci_dev_save_cfg(struct pci_dev *pd, u8 out[PCI_CFG_SIZE])
{
	pthread_mutex_lock(&pd->host->lock);
	memcpy(out, pd->cfg, PCI_CFG_SIZE);
	pthread_mutex_unlock(&pd->host->lock);
}

int pci_dev_restore_cfg(struct pci_dev *pd, const u8 cfg[PCI_CFG_SIZE])
{
	int ret = 0;

	pthread_mutex_lock(&pd->host->lock);
	if (same_fixed_bits(pd, cfg)) {
		memcpy(pd->cfg, cfg, PCI_CFG_SIZE);
		pci_dev_update_bars(pd);
	} else {
		ret = -EINVAL;
	}
	pthread_mutex_unlock(&pd->host->lock);
	return ret;
}

void pci_host_save(struct pci_host *h, struct pci_host_state *out)
{
	out->config_addr = __atomic_load_n(&h->config_addr, __ATOMIC_RELAXED);
	pci_dev_save_cfg(&h->bridge, out->bridge);
}

int pci_host_restore(struct pci_host *h, const struct pci_host_state *in)
{
	__atomic_store_n(&h->config_addr, in->config_addr & 0x80fffffcu,
			 __ATOMIC_RELAXED);
	return pci_dev_restore_cfg(&h->bridge, in->bridge);
}
