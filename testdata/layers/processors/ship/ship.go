package ship
