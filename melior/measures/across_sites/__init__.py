"""A measure across the sites of a network: the status table of every site × measure
(`status`), the pooled chart and funnel plot (`pooled`, `funnel`), and one small chart per
site (`site_charts`, `multiples`). Everything here is cached under the network's data version
(`keys`)."""
