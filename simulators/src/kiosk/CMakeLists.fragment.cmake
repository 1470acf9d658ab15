# atm, kiosk and counter drive scripted sessions through the terminal SDK (shared library).
list(APPEND CG_SIM_LIBS claimgate::sdk)
